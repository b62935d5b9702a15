/**
 * `npm run engagement:refresh-apple-ranges [-- --from file.csv]`: downloads Apple's relay egress list
 * (or reads a saved copy), compacts it and rewrites apple-relay-ranges.ts. Needs the internet; never
 * run by tests. Bump ENGAGEMENT_RULES.version in rules.ts when you commit a new snapshot.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { APPLE_EGRESS_CSV_URL, renderAppleRelayModule } from "./apple-relay-refresh";

const { values } = parseArgs({ options: { from: { type: "string" }, url: { type: "string" } }, strict: true });
const target = path.join(import.meta.dirname, "apple-relay-ranges.ts");

async function main() {
  let csv: string;
  let source: string;
  if (values.from) {
    csv = fs.readFileSync(values.from, "utf8");
    source = `${APPLE_EGRESS_CSV_URL} (saved copy ${path.basename(values.from)})`;
  } else {
    source = values.url ?? APPLE_EGRESS_CSV_URL;
    const res = await fetch(source, { signal: AbortSignal.timeout(120_000) });
    if (!res.ok) throw new Error(`GET ${source}: HTTP ${res.status}`);
    csv = await res.text();
  }
  const asOf = new Date().toISOString().slice(0, 10);
  const { text, cidrs } = renderAppleRelayModule(csv, { asOf, source });
  fs.writeFileSync(`${target}.tmp`, text);
  fs.renameSync(`${target}.tmp`, target);
  console.log(`wrote ${path.relative(process.cwd(), target)}: ${cidrs.length} CIDRs (${cidrs.filter((c) => !c.includes(":")).length} IPv4), as of ${asOf}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
