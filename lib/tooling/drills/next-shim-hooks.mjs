// Module hooks for route-server.ts: `next/server` resolves to next-shim.mjs, `next/headers` to
// next-headers-shim.cjs, next-auth's credentials provider to next-auth-credentials-shim.mjs (see each
// why). CommonJS `require("next/headers")` (next-auth) is redirected by route-server.ts itself: these
// hooks see only ES module resolution.
const shim = new URL("./next-shim.mjs", import.meta.url).href;
const headersShim = new URL("./next-headers-shim.cjs", import.meta.url).href;
const credentialsShim = new URL("./next-auth-credentials-shim.mjs", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "next/server") return { url: shim, shortCircuit: true };
  if (specifier === "next/headers") return { url: headersShim, shortCircuit: true };
  if (specifier === "next-auth/providers/credentials") return { url: credentialsShim, shortCircuit: true };
  return nextResolve(specifier, context);
}
