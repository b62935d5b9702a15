/**
 * npm run drill — the reliability drills of issue 8, each against the whole system started through the
 * launcher (embedded PostgreSQL, `next start`; the Postmark sandbox in this process), one fresh system
 * per drill, then one table: drill, load, faults, requests, lost, duplicated, result.
 *
 *   npm run drill                          # every drill, full size (tens of minutes)
 *   npm run drill -- --only flood,hostile  # some of them (names or numbers 1-9)
 *   npm run drill -- --short               # the sizes `npm test` uses, still through the launcher
 *   npm run drill -- --routes              # the route server instead of next start (no build needed)
 *   npm run drill -- --only instances --port 3380 --postgres-port 5742 --balancer-port 4380
 *                                          # ports: the app's (a second instance, for the two-instance
 *                                          # drill, on the next one; its balancer by default on the one after)
 *
 * Exits 1 when any drill broke a promise. RELIABILITY.md keeps the latest full table.
 */
import { ensureBuild } from "@/lib/local/launcher/build";
import { machine, table } from "../../../bench/support";
import { DRILLS } from "./drills";
import { closeAgents, type DrillResult } from "./support";
import { ROOT, startDrillSystem } from "./system";

const args = process.argv.slice(2);
const value = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
};
const size = args.includes("--short") ? "short" : "full";
const kind = args.includes("--routes") ? "routes" : "launcher";
const port = Number(value("port") ?? 3400);
const postgresPort = Number(value("postgres-port") ?? 5480);
const balancerPort = Number(value("balancer-port") ?? port + 2);
const only = value("only")?.split(",").map((s) => s.trim()).filter(Boolean);

function row(r: DrillResult) {
  return { drill: r.drill, load: r.load, faults: r.faults, requests: r.requests.toLocaleString("en"), lost: r.lost, duplicated: r.duplicated, result: r.failures.length ? "FAIL" : "pass" };
}

async function main() {
  const chosen = DRILLS.filter((d, i) => !only || only.includes(d.name) || only.includes(String(i + 1)));
  if (!chosen.length) throw new Error(`no drill matches --only ${only?.join(",")}; known: ${DRILLS.map((d) => d.name).join(", ")}`);
  console.log(`npm run drill (${size}, ${kind === "launcher" ? "through the launcher: next start" : "route server"}) on ${machine()}, ${new Date().toISOString()}\n`);
  // Built once up front: each launcher would build when stale, but inside its start-up time limit.
  if (kind === "launcher") await ensureBuild(ROOT, { log: (m) => console.log(`   ${m}`) });
  const results: DrillResult[] = [];
  for (const drill of chosen) {
    const started = Date.now();
    console.log(`── ${drill.name}: starting the system`);
    const sys = await startDrillSystem({
      kind,
      dataDir: `.data/drill-${drill.name}`,
      port,
      postgresPort,
      instances: drill.instances,
      secondPort: port + 1,
      balancerPort,
      keep: true,
      log: (m) => console.log(`   ${m}`),
    });
    let r: DrillResult;
    try {
      r = await drill.run(sys, size);
    } catch (error) {
      r = { drill: drill.name, load: "-", faults: "-", requests: 0, lost: 0, duplicated: 0, failures: [`the drill itself failed: ${String((error as Error).stack ?? error).slice(0, 1500)}`], notes: [] };
    } finally {
      await sys.stop().catch((e) => console.error(`   stopping the system: ${(e as Error).message}`));
      closeAgents();
    }
    results.push(r);
    console.log(`   ${r.failures.length ? "FAIL" : "pass"} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    for (const n of r.notes) console.log(`   · ${n}`);
    for (const f of r.failures) console.log(`   ✗ ${f}`);
  }
  console.log("\n" + table(results.map(row)));
  process.exit(results.some((r) => r.failures.length) ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
