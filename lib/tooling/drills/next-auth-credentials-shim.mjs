// `next-auth/providers/credentials` for the drills' route server: the package is CommonJS with an
// `exports.default`, which Next's bundler unwraps for `import CredentialsProvider from …` and plain
// Node does not (the default import would be the module object, "not a function").
import { createRequire } from "node:module";

const required = createRequire(import.meta.url)("next-auth/providers/credentials");
export default required.default ?? required;
