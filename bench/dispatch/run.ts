/**
 * bench:dispatch — a campaign to N recipients (default 100,000) through the whole system (the launcher,
 * `next start`, embedded PostgreSQL) to the Postmark sandbox with ~30 ms latency per API call.
 *
 *   npm run bench:dispatch                       # throughput run, then the SIGKILL run
 *   npm run bench:dispatch -- --recipients 20000 --skip-crash
 *   npm run bench:dispatch -- --recipients 100000,1000000   # a throughput run per size (ratios against
 *                                                           # the first), the SIGKILL run at the last
 *   npm run bench:dispatch -- --recipients 1000000 --crash-only         # only the SIGKILL run
 *   --seed api|sql: contacts created through the bulk API (POST /api/v1/contacts, 10,000 a call) or written
 *   by one INSERT … SELECT generate_series straight into the launcher's PostgreSQL (default: sql when the
 *   largest size is above 100,000, where the API takes minutes; the report says which).
 *   --port / --postgres-port / --data-dir: where the launcher listens and keeps its data.
 *   --shared-buffers 512MB: the launcher's PostgreSQL buffer cache (POSTGRES_SHARED_BUFFERS).
 *
 * Reports recipients per second (send request → campaign "sent"), peak memory of the launcher's
 * process tree, and for the crash run: SIGKILL the launcher mid-campaign, start it again, and count
 * from the sandbox's own records how many recipients got the mail twice or never.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startPostmarkSandbox } from "@/lib/local/postmark-sandbox/server";
import { api, machine, ROOT, sampleMemory, startLauncher, stopLauncher, table } from "../support";

const args = process.argv.slice(2);
const text = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const flag = (name: string, fallback: number) => Number(text(name, String(fallback)));
const SIZES = text("recipients", "100000").split(",").map((n) => Number(n.replace(/_/g, "")));
if (SIZES.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error("--recipients takes positive integers, comma-separated");
const PORT = flag("port", 3300);
const POSTGRES_PORT = flag("postgres-port", 5460);
const DATA_DIR = text("data-dir", ".data/bench-dispatch");
const SEED = text("seed", Math.max(...SIZES) > 100_000 ? "sql" : "api");
if (SEED !== "api" && SEED !== "sql") throw new Error("--seed is api or sql");
const LATENCY = flag("latency", 30);
const KILL_AT = flag("kill-at", 0.4);
const SKIP_CRASH = args.includes("--skip-crash");
// `--crash-only`: only the SIGKILL run (at the largest size), for proving 0 duplicated / 0 missing
// without the throughput runs' half hour at a million.
const CRASH_ONLY = args.includes("--crash-only");
if (SKIP_CRASH && CRASH_ONLY) throw new Error("--skip-crash and --crash-only leave nothing to run");
// `--shared-buffers 512MB`: the launcher's PostgreSQL buffer cache (POSTGRES_SHARED_BUFFERS; default PostgreSQL's 128MB).
const SHARED_BUFFERS = text("shared-buffers", "");
// `--warmup N` (default 20,000; 0 for none): a campaign to N other contacts on the same launcher before
// each measured one, so both sizes are measured on a running system (its connection pool open, its
// caches filled) rather than one that is also starting up; those contacts are deleted before the
// measured campaign, whose audience is every contact.
const WARMUP = flag("warmup", 20_000);
const KEY = `pl_bench_${randomBytes(16).toString("hex")}`;
const TOKEN = `bench-${randomBytes(8).toString("hex")}`;

type Campaign = { id: string; status: string; progress: { recipients: number; processed: number }; stats: { sent: number; failed: number } };

/** The launcher's own database, for the SQL seed (its password is in the data directory's secrets). */
function databaseUrl(dataDir: string, postgresPort: number): string {
  const secrets = JSON.parse(fs.readFileSync(path.join(path.resolve(ROOT, dataDir), "secrets.json"), "utf8")) as { POSTGRES_PASSWORD: string };
  return `postgres://postgres:${encodeURIComponent(secrets.POSTGRES_PASSWORD)}@127.0.0.1:${postgresPort}/postline`;
}

async function seedWithSql(url: string, tag: string, recipients: number) {
  const client = new pg.Client({ connectionString: url, application_name: "bench:dispatch seed" });
  await client.connect();
  try {
    await client.query(
      `insert into contacts (email, name) select 'r' || i || '.' || $1::text || '@bench.postline.test', 'Reader ' || i from generate_series(0, $2::int - 1) i`,
      [tag, recipients],
    );
    await client.query("vacuum analyze contacts");
  } finally {
    await client.end();
  }
}

async function seedAndCreate(call: ReturnType<typeof api>, tag: string, recipients: number, url: string) {
  const started = Date.now();
  if (SEED === "sql") await seedWithSql(url, tag, recipients);
  else await seedWithApi(call, tag, recipients);
  const seedSeconds = (Date.now() - started) / 1000;
  const created = await call<{ data: Campaign }>("POST", "/api/v1/campaigns", { name: `bench ${tag}`, subject: "Hello {{ name }}", html: "<p>Hi {{ name }}, this is the benchmark.</p>" });
  if (created.status !== 201) throw new Error(`campaign create failed: ${created.status}`);
  return { campaignId: created.body.data.id, seedSeconds };
}

async function seedWithApi(call: ReturnType<typeof api>, tag: string, recipients: number) {
  // The bulk API (POST /api/v1/contacts with an array), 10,000 contacts a call, two calls in flight.
  const chunks: number[] = [];
  for (let i = 0; i < recipients; i += 10_000) chunks.push(i);
  const seedChunk = async (i: number) => {
    const batch = Array.from({ length: Math.min(10_000, recipients - i) }, (_, j) => ({ email: `r${i + j}.${tag}@bench.postline.test`, name: `Reader ${i + j}` }));
    const res = await call("POST", "/api/v1/contacts", batch);
    if (res.status !== 200) throw new Error(`seeding failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  };
  await Promise.all(
    [0, 1].map(async () => {
      for (let i = chunks.shift(); i !== undefined; i = chunks.shift()) await seedChunk(i);
    }),
  );
}

async function waitUntilSent(call: ReturnType<typeof api>, id: string, onProgress?: (c: Campaign) => Promise<boolean | void>, timeoutMs = 60 * 60_000) {
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

type Sandbox = Awaited<ReturnType<typeof startPostmarkSandbox>>;

/**
 * Counts what the sandbox accepted for one run's addresses, reading only the messages that arrived
 * since the last call (a million-message list is not walked again every poll).
 */
function deliveryCounter(sandbox: Sandbox, tag: string, recipients: number) {
  const perAddress = new Map<string, number>();
  let seen = 0;
  let duplicated = 0;
  return () => {
    const all = sandbox.messages();
    for (; seen < all.length; seen++) {
      const to = all[seen].to;
      if (!to.includes(`.${tag}@`)) continue;
      const n = (perAddress.get(to) ?? 0) + 1;
      perAddress.set(to, n);
      if (n > 1) duplicated++;
    }
    return { distinct: perAddress.size, duplicated, missing: recipients - perAddress.size };
  };
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

async function throughput(sandbox: Sandbox, env: Record<string, string>, recipients: number) {
  const launcher = await startLauncher({ dataDir: DATA_DIR, port: PORT, postgresPort: POSTGRES_PORT, env, fresh: true });
  try {
    const call = api(launcher.baseUrl, KEY);
    const url = databaseUrl(DATA_DIR, POSTGRES_PORT);
    if (WARMUP > 0) await warmUp(call, url, sandbox);
    const tag = "t" + randomBytes(3).toString("hex");
    const { campaignId, seedSeconds } = await seedAndCreate(call, tag, recipients, url);
    // Memory in two phases: the freeze (the send request, one INSERT … SELECT of the audience) and the
    // sending after it, so what grows can be told apart; the whole run's peak is the larger of the two.
    const freezeMemory = sampleMemory(launcher.child.pid!);
    const load = os.loadavg()[0];
    const started = Date.now();
    const send = await call("POST", `/api/v1/campaigns/${campaignId}/send`);
    if (send.status !== 202) throw new Error(`send failed: ${send.status} ${JSON.stringify(send.body)}`);
    const frozen = Date.now();
    const freezeMem = freezeMemory.stop();
    const memory = sampleMemory(launcher.child.pid!);
    const done = await waitUntilSent(call, campaignId);
    const finished = Date.now();
    const seconds = (finished - started) / 1000;
    const sendingMem = memory.stop();
    const mem = {
      peakTotalMiB: Math.max(freezeMem.peakTotalMiB, sendingMem.peakTotalMiB),
      peakReservedMiB: Math.max(freezeMem.peakReservedMiB, sendingMem.peakReservedMiB),
    };
    const counts = deliveryCounter(sandbox, tag, recipients)();
    console.log(`${recipients.toLocaleString("en")}: peak memory (PSS, MiB) by process name, all processes of that name together, during the freeze: ${JSON.stringify(freezeMem.peaksMiB)} (total ${Math.round(freezeMem.peakTotalMiB)}); while sending: ${JSON.stringify(sendingMem.peaksMiB)} (total ${Math.round(sendingMem.peakTotalMiB)}; at that peak: ${JSON.stringify(sendingMem.atPeakMiB)}); with PostgreSQL's shared memory at its size, peak ${Math.round(mem.peakReservedMiB)} (freeze ${Math.round(freezeMem.peakReservedMiB)}, sending ${Math.round(sendingMem.peakReservedMiB)}; private memory by role and the shared memory at the sending peak: ${JSON.stringify(sendingMem.atPeakReservedMiB)}); bench process heap ${mib(process.memoryUsage().heapUsed)} MiB`);
    await sandbox.reset();
    return {
      run: "throughput",
      recipients,
      "seed (s)": seedSeconds.toFixed(1),
      "freeze (s)": ((frozen - started) / 1000).toFixed(1),
      "send→sent (s)": seconds.toFixed(1),
      "recipients/s": Math.round(recipients / seconds),
      "after freeze /s": Math.round(recipients / ((finished - frozen) / 1000)),
      "peak PSS (MiB)": Math.round(mem.peakTotalMiB),
      "shared memory at its size (MiB)": Math.round(mem.peakReservedMiB),
      "freeze / sending PSS": `${Math.round(freezeMem.peakTotalMiB)} / ${Math.round(sendingMem.peakTotalMiB)}`,
      sent: done.stats.sent,
      duplicated: counts.duplicated,
      missing: counts.missing,
      load: `${load.toFixed(1)}–${os.loadavg()[0].toFixed(1)}`,
    };
  } finally {
    await stopLauncher(launcher);
  }
}

/** A campaign to WARMUP contacts of their own, sent to the end; then those contacts are deleted. */
async function warmUp(call: ReturnType<typeof api>, url: string, sandbox: Sandbox) {
  const tag = "w" + randomBytes(3).toString("hex");
  const { campaignId } = await seedAndCreate(call, tag, WARMUP, url);
  const send = await call("POST", `/api/v1/campaigns/${campaignId}/send`);
  if (send.status !== 202) throw new Error(`warm-up send failed: ${send.status} ${JSON.stringify(send.body)}`);
  await waitUntilSent(call, campaignId);
  const client = new pg.Client({ connectionString: url, application_name: "bench:dispatch warm-up" });
  await client.connect();
  try {
    await client.query(`delete from contacts where email like '%.' || $1::text || '@bench.postline.test'`, [tag]);
  } finally {
    await client.end();
  }
  await sandbox.reset();
}

async function crash(sandbox: Sandbox, env: Record<string, string>, recipients: number) {
  const dataDir = `${DATA_DIR}-crash`;
  let launcher = await startLauncher({ dataDir, port: PORT, postgresPort: POSTGRES_PORT + 1, env, fresh: true });
  try {
    let call = api(launcher.baseUrl, KEY);
    const tag = "k" + randomBytes(3).toString("hex");
    const count = deliveryCounter(sandbox, tag, recipients);
    const { campaignId } = await seedAndCreate(call, tag, recipients, databaseUrl(dataDir, POSTGRES_PORT + 1));
    const load = os.loadavg()[0];
    const started = Date.now();
    await call("POST", `/api/v1/campaigns/${campaignId}/send`);
    // Kill when the sandbox itself has accepted KILL_AT of the audience.
    while (count().distinct < recipients * KILL_AT) await new Promise((r) => setTimeout(r, 20));
    launcher.child.kill("SIGKILL");
    await launcher.exited;
    const atKill = count().distinct;
    console.log(`SIGKILLed the launcher with ${atKill.toLocaleString("en")} recipients accepted by the sandbox; restarting`);
    launcher = await startLauncher({ dataDir, port: PORT, postgresPort: POSTGRES_PORT + 1, env });
    call = api(launcher.baseUrl, KEY);
    const done = await waitUntilSent(call, campaignId);
    const seconds = (Date.now() - started) / 1000;
    const counts = count();
    await sandbox.reset();
    return {
      run: `SIGKILL at ${Math.round((atKill / recipients) * 100)}%`,
      recipients,
      "seed (s)": "-",
      "freeze (s)": "-",
      "send→sent (s)": seconds.toFixed(1),
      "recipients/s": Math.round(recipients / seconds),
      "after freeze /s": "-",
      "peak PSS (MiB)": "-",
      "shared memory at its size (MiB)": "-",
      "freeze / sending PSS": "-",
      sent: done.stats.sent,
      duplicated: counts.duplicated,
      missing: counts.missing,
      load: `${load.toFixed(1)}–${os.loadavg()[0].toFixed(1)}`,
    };
  } finally {
    await stopLauncher(launcher);
  }
}

async function main() {
  console.log(`bench:dispatch on ${machine()}`);
  console.log(`${SIZES.map((n) => n.toLocaleString("en")).join(", ")} recipients, sandbox latency ${LATENCY} ms per call, PostgreSQL shared_buffers ${SHARED_BUFFERS || "128MB (default)"}, contacts seeded ${SEED === "sql" ? "by SQL (one INSERT … SELECT generate_series into contacts, then VACUUM ANALYZE)" : "through the bulk API (POST /api/v1/contacts, 10,000 a call)"}, ${WARMUP > 0 ? `a warm-up campaign to ${WARMUP.toLocaleString("en")} other contacts before each measured one` : "no warm-up campaign"}\n`);
  const sandbox = await startPostmarkSandbox({ host: "127.0.0.1", port: 0, serverToken: TOKEN, keepBodies: false, faults: { latencyMs: LATENCY }, log: () => {} });
  const env: Record<string, string> = { POSTMARK_SERVER_TOKEN: TOKEN, POSTMARK_API_URL: sandbox.url, BOOTSTRAP_API_KEY: KEY, ADMIN_PASSWORD: "bench-admin-password", POSTLINE_CRON: "on" };
  if (SHARED_BUFFERS) env.POSTGRES_SHARED_BUFFERS = SHARED_BUFFERS;
  const rows: Record<string, string | number>[] = [];

  // 1. Throughput, one run per size on a fresh database.
  for (const recipients of CRASH_ONLY ? [] : SIZES) {
    rows.push(await throughput(sandbox, env, recipients));
    console.log(table(rows.slice(-1)));
  }
  if (SIZES.length > 1 && !CRASH_ONLY) {
    const base = rows[0];
    for (const r of rows.slice(1)) {
      console.log(
        `${Number(r.recipients).toLocaleString("en")} against ${Number(base.recipients).toLocaleString("en")}: peak PSS ×${(Number(r["peak PSS (MiB)"]) / Number(base["peak PSS (MiB)"])).toFixed(3)}, with PostgreSQL's shared memory at its size ×${(Number(r["shared memory at its size (MiB)"]) / Number(base["shared memory at its size (MiB)"])).toFixed(3)}, recipients/s ×${(Number(r["recipients/s"]) / Number(base["recipients/s"])).toFixed(3)}`,
      );
    }
  }

  // 2. SIGKILL in the middle, restart, count from the sandbox (at the largest size).
  if (!SKIP_CRASH) rows.push(await crash(sandbox, env, Math.max(...SIZES)));

  await sandbox.close();
  console.log("\n" + table(rows));
  const bad = rows.some((r) => r.duplicated !== 0 || r.missing !== 0);
  process.exit(bad ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
