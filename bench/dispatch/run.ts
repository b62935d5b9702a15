/**
 * bench:dispatch — a campaign to N recipients (default 100,000) through the whole system (the launcher,
 * `next start`, embedded PostgreSQL) to the Postmark sandbox with ~30 ms latency per API call.
 *
 *   npm run bench:dispatch                       # throughput run, then the SIGKILL run
 *   npm run bench:dispatch -- --recipients 20000 --skip-crash
 *
 * Reports recipients per second (send request → campaign "sent"), peak memory of the launcher's
 * process tree, and for the crash run: SIGKILL the launcher mid-campaign, start it again, and count
 * from the sandbox's own records how many recipients got the mail twice or never.
 */
import { randomBytes } from "node:crypto";
import { startPostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import { api, machine, sampleMemory, startLauncher, stopLauncher, table } from "../support";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RECIPIENTS = flag("recipients", 100_000);
const LATENCY = flag("latency", 30);
const KILL_AT = flag("kill-at", 0.4);
const SKIP_CRASH = args.includes("--skip-crash");
const KEY = `pl_bench_${randomBytes(16).toString("hex")}`;
const TOKEN = `bench-${randomBytes(8).toString("hex")}`;

type Campaign = { id: string; status: string; progress: { recipients: number; processed: number }; stats: { sent: number; failed: number } };

async function seedAndCreate(call: ReturnType<typeof api>, tag: string) {
  const started = Date.now();
  for (let i = 0; i < RECIPIENTS; i += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, RECIPIENTS - i) }, (_, j) => ({ email: `r${i + j}.${tag}@bench.postline.test`, name: `Reader ${i + j}` }));
    const res = await call("POST", "/api/v1/contacts", batch);
    if (res.status !== 200) throw new Error(`seeding failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  const seedSeconds = (Date.now() - started) / 1000;
  const created = await call<{ data: Campaign }>("POST", "/api/v1/campaigns", { name: `bench ${tag}`, subject: "Hello {{ name }}", html: "<p>Hi {{ name }}, this is the benchmark.</p>" });
  if (created.status !== 201) throw new Error(`campaign create failed: ${created.status}`);
  return { campaignId: created.body.data.id, seedSeconds };
}

async function waitUntilSent(call: ReturnType<typeof api>, id: string, onProgress?: (c: Campaign) => Promise<boolean | void>, timeoutMs = 30 * 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call<{ data: Campaign }>("GET", `/api/v1/campaigns/${id}`).catch(() => null);
    if (res?.status === 200) {
      const c = res.body.data;
      if (onProgress && (await onProgress(c))) return c;
      if (c.status === "sent") return c;
    }
    if (Date.now() > deadline) throw new Error("campaign did not finish in time");
    await new Promise((r) => setTimeout(r, 200));
  }
}

function countDeliveries(sandbox: Awaited<ReturnType<typeof startPostmarkSandbox>>, tag: string) {
  const perAddress = new Map<string, number>();
  for (const m of sandbox.messages()) if (m.to.includes(`.${tag}@`)) perAddress.set(m.to, (perAddress.get(m.to) ?? 0) + 1);
  let duplicated = 0;
  for (const n of perAddress.values()) if (n > 1) duplicated += n - 1;
  return { distinct: perAddress.size, duplicated, missing: RECIPIENTS - perAddress.size };
}

async function main() {
  console.log(`bench:dispatch on ${machine()}`);
  console.log(`${RECIPIENTS.toLocaleString("en")} recipients, sandbox latency ${LATENCY} ms per call\n`);
  const sandbox = await startPostmarkSandbox({ host: "127.0.0.1", port: 0, serverToken: TOKEN, keepBodies: false, faults: { latencyMs: LATENCY }, log: () => {} });
  const env = { POSTMARK_SERVER_TOKEN: TOKEN, POSTMARK_API_URL: sandbox.url, BOOTSTRAP_API_KEY: KEY, ADMIN_PASSWORD: "bench-admin-password", POSTLINE_CRON: "on" };
  const rows: Record<string, string | number>[] = [];

  // 1. Throughput.
  {
    const launcher = await startLauncher({ dataDir: ".data/bench-dispatch", port: 3300, postgresPort: 5460, env, fresh: true });
    const call = api(launcher.baseUrl, KEY);
    const tag = "t" + randomBytes(3).toString("hex");
    const { campaignId, seedSeconds } = await seedAndCreate(call, tag);
    const memory = sampleMemory(launcher.child.pid!);
    const started = Date.now();
    const send = await call("POST", `/api/v1/campaigns/${campaignId}/send`);
    if (send.status !== 202) throw new Error(`send failed: ${send.status} ${JSON.stringify(send.body)}`);
    const done = await waitUntilSent(call, campaignId);
    const seconds = (Date.now() - started) / 1000;
    const mem = memory.stop();
    const counts = countDeliveries(sandbox, tag);
    rows.push({
      run: "throughput",
      recipients: RECIPIENTS,
      "seed (s)": seedSeconds.toFixed(1),
      "send→sent (s)": seconds.toFixed(1),
      "recipients/s": Math.round(RECIPIENTS / seconds),
      "peak PSS (MiB)": Math.round(mem.peakTotalMiB),
      sent: done.stats.sent,
      duplicated: counts.duplicated,
      missing: counts.missing,
    });
    console.log(`peak memory (PSS, MiB) by process name, all processes of that name together: ${JSON.stringify(mem.peaksMiB)}`);
    await stopLauncher(launcher);
  }

  // 2. SIGKILL in the middle, restart, count from the sandbox.
  if (!SKIP_CRASH) {
    let launcher = await startLauncher({ dataDir: ".data/bench-dispatch-crash", port: 3300, postgresPort: 5461, env, fresh: true });
    let call = api(launcher.baseUrl, KEY);
    const tag = "k" + randomBytes(3).toString("hex");
    const { campaignId } = await seedAndCreate(call, tag);
    const started = Date.now();
    await call("POST", `/api/v1/campaigns/${campaignId}/send`);
    // Kill when the sandbox itself has accepted KILL_AT of the audience.
    while (countDeliveries(sandbox, tag).distinct < RECIPIENTS * KILL_AT) await new Promise((r) => setTimeout(r, 20));
    launcher.child.kill("SIGKILL");
    await launcher.exited;
    const atKill = countDeliveries(sandbox, tag).distinct;
    console.log(`SIGKILLed the launcher with ${atKill.toLocaleString("en")} recipients accepted by the sandbox; restarting`);
    launcher = await startLauncher({ dataDir: ".data/bench-dispatch-crash", port: 3300, postgresPort: 5461, env });
    call = api(launcher.baseUrl, KEY);
    const done = await waitUntilSent(call, campaignId);
    const seconds = (Date.now() - started) / 1000;
    const counts = countDeliveries(sandbox, tag);
    rows.push({
      run: `SIGKILL at ${Math.round((atKill / RECIPIENTS) * 100)}%`,
      recipients: RECIPIENTS,
      "seed (s)": "-",
      "send→sent (s)": seconds.toFixed(1),
      "recipients/s": Math.round(RECIPIENTS / seconds),
      "peak PSS (MiB)": "-",
      sent: done.stats.sent,
      duplicated: counts.duplicated,
      missing: counts.missing,
    });
    await stopLauncher(launcher);
  }

  await sandbox.close();
  console.log("\n" + table(rows));
  const bad = rows.some((r) => r.duplicated !== 0 || r.missing !== 0);
  process.exit(bad ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
