/**
 * bench:sequences — N enrollments (default 100,000) whose next email falls due in the same minute,
 * through the whole system (the launcher, `next start`, embedded PostgreSQL) to the Postmark sandbox
 * with ~30 ms latency per call, timed against campaign dispatch to the same N on the same run.
 *
 *   npm run bench:sequences                          # throughput run, then the SIGKILL run
 *   npm run bench:sequences -- --enrollments 10000 --skip-crash
 *
 * How N steps fall due together: a sequence triggered by a list, its one email 1 day after enrolling;
 * N contacts are added to the list (each enrols in the same transaction); then the email's delay is
 * changed to 0 minutes (PATCH), which makes every enrollment due at once. Timed from the PATCH to the
 * email's `stats.sent` reaching N. The campaign to the same list is timed from its send to "sent".
 * The crash run SIGKILLs the launcher when the sandbox has accepted 40% and restarts it, then counts
 * from the sandbox's own records who got the email twice or never.
 */
import { randomBytes } from "node:crypto";
import { startPostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import { api, machine, sampleMemory, startLauncher, stopLauncher, table } from "../support";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const N = flag("enrollments", 100_000);
const LATENCY = flag("latency", 30);
const KILL_AT = flag("kill-at", 0.4);
const SKIP_CRASH = args.includes("--skip-crash");
const KEY = `pl_bench_${randomBytes(16).toString("hex")}`;
const TOKEN = `bench-${randomBytes(8).toString("hex")}`;
const PORT = 3310;

type Call = ReturnType<typeof api>;
type Sequence = { id: string; emails: { id: string; subject: string; html: string; stats: { sent: number } }[]; enrollments: { active: number; completed: number } };

/** A list, a sequence it triggers (one email a day after enrolling), N contacts on the list (enrolled). */
async function seed(call: Call, tag: string) {
  const list = await call<{ data: { id: string } }>("POST", "/api/v1/lists", { name: `bench ${tag}` });
  if (list.status !== 201 && list.status !== 200) throw new Error(`list create failed: ${list.status}`);
  const listId = list.body.data.id;
  const created = await call<{ data: Sequence }>("POST", "/api/v1/sequences", {
    name: `bench ${tag}`,
    trigger: { type: "list", id: listId },
    emails: [{ subject: "Hello {{ name }}", html: "<p>Hi {{ name }}, this is the sequence benchmark.</p>", delay: { amount: 1, unit: "days" } }],
  });
  if (created.status !== 201) throw new Error(`sequence create failed: ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
  const sequence = created.body.data;
  await call("POST", `/api/v1/sequences/${sequence.id}/activate`);
  const started = Date.now();
  for (let i = 0; i < N; i += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, N - i) }, (_, j) => ({ email: `s${i + j}.${tag}@bench.postline.test`, name: `Reader ${i + j}`, list_ids: [listId] }));
    const res = await call("POST", "/api/v1/contacts", batch);
    if (res.status !== 200) throw new Error(`seeding failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  const seedSeconds = (Date.now() - started) / 1000;
  const check = await call<{ data: Sequence }>("GET", `/api/v1/sequences/${sequence.id}`);
  if (check.body.data.enrollments.active !== N) throw new Error(`expected ${N} enrollments, found ${check.body.data.enrollments.active}`);
  return { listId, sequence, seedSeconds };
}

/** Makes every enrollment due now: the email's delay becomes 0 minutes. */
async function makeDue(call: Call, s: Sequence) {
  const e = s.emails[0];
  const res = await call("PATCH", `/api/v1/sequences/${s.id}`, { emails: [{ id: e.id, subject: e.subject, html: e.html, delay: { amount: 0, unit: "minutes" } }] });
  if (res.status !== 200) throw new Error(`PATCH failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30 * 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error("did not finish in time");
    await new Promise((r) => setTimeout(r, 250));
  }
}

const sequenceSent = async (call: Call, id: string) => (await call<{ data: Sequence }>("GET", `/api/v1/sequences/${id}`)).body.data.emails[0].stats.sent;

/** A sandbox record of this run's email (`subject`) to one of its contacts (`tag` in the address). */
const isStep = (m: { to: string; subject: string }, tag: string, subject: string) => m.to.includes(`.${tag}@`) && m.subject.startsWith(subject);

/**
 * Waits until every step is recorded as sent: first until the sandbox (in this process) has a message
 * for every recipient, which costs the system under test nothing, then through the API. The sequence's
 * stats count its messages (about 165 ms of PostgreSQL at 100,000), so polling them every 250 ms from
 * the start took a large share of a core from the sending it was timing.
 */
async function waitForSequenceSent(call: Call, id: string, sandbox: Awaited<ReturnType<typeof startPostmarkSandbox>>, tag: string) {
  const mailed = new Set<string>();
  let seen = 0;
  await waitUntil(async () => {
    const all = sandbox.messages();
    for (; seen < all.length; seen++) if (isStep(all[seen], tag, "Hello")) mailed.add(all[seen].to);
    return mailed.size >= N;
  });
  await waitUntil(async () => (await sequenceSent(call, id)) >= N);
}

function countDeliveries(sandbox: Awaited<ReturnType<typeof startPostmarkSandbox>>, tag: string, subject: string) {
  const perAddress = new Map<string, number>();
  for (const m of sandbox.messages()) if (isStep(m, tag, subject)) perAddress.set(m.to, (perAddress.get(m.to) ?? 0) + 1);
  let duplicated = 0;
  for (const n of perAddress.values()) if (n > 1) duplicated += n - 1;
  return { distinct: perAddress.size, duplicated, missing: N - perAddress.size };
}

async function main() {
  console.log(`bench:sequences on ${machine()}`);
  console.log(`${N.toLocaleString("en")} enrollments due in the same minute, sandbox latency ${LATENCY} ms per call\n`);
  const sandbox = await startPostmarkSandbox({ host: "127.0.0.1", port: 0, serverToken: TOKEN, keepBodies: false, faults: { latencyMs: LATENCY }, log: () => {} });
  const env = { POSTMARK_SERVER_TOKEN: TOKEN, POSTMARK_API_URL: sandbox.url, BOOTSTRAP_API_KEY: KEY, ADMIN_PASSWORD: "bench-admin-password", POSTLINE_CRON: "on" };
  const rows: Record<string, string | number>[] = [];

  // 1. Campaign dispatch to the list, then the sequence's step, on the same launcher and data.
  {
    const launcher = await startLauncher({ dataDir: ".data/bench-sequences", port: PORT, postgresPort: 5474, env, fresh: true });
    const call = api(launcher.baseUrl, KEY);
    const tag = "t" + randomBytes(3).toString("hex");
    const { listId, sequence, seedSeconds } = await seed(call, tag);

    const campaign = await call<{ data: { id: string } }>("POST", "/api/v1/campaigns", { name: `bench ${tag}`, subject: "Campaign {{ name }}", html: "<p>Hi {{ name }}</p>", list_ids: [listId] });
    const campaignStarted = Date.now();
    await call("POST", `/api/v1/campaigns/${campaign.body.data.id}/send`);
    await waitUntil(async () => (await call<{ data: { status: string } }>("GET", `/api/v1/campaigns/${campaign.body.data.id}`)).body.data.status === "sent");
    const campaignSeconds = (Date.now() - campaignStarted) / 1000;

    const memory = sampleMemory(launcher.child.pid!);
    const started = Date.now();
    await makeDue(call, sequence);
    await waitForSequenceSent(call, sequence.id, sandbox, tag);
    const seconds = (Date.now() - started) / 1000;
    const mem = memory.stop();
    const counts = countDeliveries(sandbox, tag, "Hello");
    const campaignRate = N / campaignSeconds;
    const rate = N / seconds;
    rows.push({
      run: "throughput",
      enrollments: N,
      "seed+enrol (s)": seedSeconds.toFixed(1),
      "campaign (s)": campaignSeconds.toFixed(1),
      "campaign/s": Math.round(campaignRate),
      "sequence (s)": seconds.toFixed(1),
      "sequence/s": Math.round(rate),
      "vs campaign": (rate / campaignRate).toFixed(2),
      "peak PSS (MiB)": Math.round(mem.peakTotalMiB),
      duplicated: counts.duplicated,
      missing: counts.missing,
    });
    console.log(`peak memory (PSS, MiB) by process name during the sequence run: ${JSON.stringify(mem.peaksMiB)}`);
    await stopLauncher(launcher);
  }

  // 2. SIGKILL in the middle of the sequence's sending, restart, count from the sandbox.
  if (!SKIP_CRASH) {
    let launcher = await startLauncher({ dataDir: ".data/bench-sequences-crash", port: PORT, postgresPort: 5475, env, fresh: true });
    let call = api(launcher.baseUrl, KEY);
    const tag = "k" + randomBytes(3).toString("hex");
    const { sequence } = await seed(call, tag);
    const started = Date.now();
    await makeDue(call, sequence);
    while (countDeliveries(sandbox, tag, "Hello").distinct < N * KILL_AT) await new Promise((r) => setTimeout(r, 20));
    launcher.child.kill("SIGKILL");
    await launcher.exited;
    const atKill = countDeliveries(sandbox, tag, "Hello").distinct;
    console.log(`SIGKILLed the launcher with ${atKill.toLocaleString("en")} of ${N.toLocaleString("en")} accepted by the sandbox; restarting`);
    launcher = await startLauncher({ dataDir: ".data/bench-sequences-crash", port: PORT, postgresPort: 5475, env });
    call = api(launcher.baseUrl, KEY);
    // In-doubt batches wait for their check (a minute) before the outbound search resolves them.
    await waitForSequenceSent(call, sequence.id, sandbox, tag);
    const seconds = (Date.now() - started) / 1000;
    const counts = countDeliveries(sandbox, tag, "Hello");
    rows.push({
      run: `SIGKILL at ${Math.round((atKill / N) * 100)}%`,
      enrollments: N,
      "seed+enrol (s)": "-",
      "campaign (s)": "-",
      "campaign/s": "-",
      "sequence (s)": seconds.toFixed(1),
      "sequence/s": Math.round(N / seconds),
      "vs campaign": "-",
      "peak PSS (MiB)": "-",
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
