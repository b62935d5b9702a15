/**
 * bench:ingest — Postmark webhook ingestion against `next start` (through the launcher), side by side
 * with a no-op route of the same app (POST /api/bench/noop, enabled only for benchmarks).
 *
 *   1. max throughput, closed loop (32 in flight unless `--in-flight N`, 15 s): the webhook route vs the no-op route;
 *   2. a fixed arrival rate of 1,000 events/s (`--rate N` for another) for 20,000 events: latency percentiles, and every 2xx has its row;
 *   3. a storm: each of 50,000 events posted three times in shuffled order, compared with the same events
 *      posted once in order to a twin set of messages: one row per event, identical final statuses.
 *
 *   npm run bench:ingest               # -- --storm 5000 (messages) for a quicker run
 *   npm run bench:ingest -- --only throughput,fixed   # a subset of throughput, fixed, storm
 */
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { createDb, type Db } from "@/db";
import { closedLoop as loop, post as postTo } from "./http";
import { cpuPerRequest, cpuSeconds, machine, percentile, ROOT, startLauncher, stopLauncher, table } from "../support";

const args = process.argv.slice(2);
// Messages in the storm; at about two events per message, 24,600 messages make 50,000 events.
const STORM = Number(args[args.indexOf("--storm") + 1]) || 24_600;
// The fixed-rate phase's rate (events/s): 1,000 is the goal; a slower machine can compare two builds at a rate it sustains.
const RATE = Number(args[args.indexOf("--rate") + 1]) || 1_000;
const ONLY = args.includes("--only") ? new Set(args[args.indexOf("--only") + 1].split(",")) : new Set(["throughput", "fixed", "storm"]);
// Requests in flight in the throughput phase (both routes): a closed loop measures capacity only while
// the server always has a request to work on.
const IN_FLIGHT = args.includes("--in-flight") ? Number(args[args.indexOf("--in-flight") + 1]) : 32;
const PORT = Number(process.env.BENCH_PORT) || 3320;
const PG_PORT = Number(process.env.BENCH_POSTGRES_PORT) || 5470;
const DATA = ".data/bench-ingest";

const post = (pathname: string, body: string, secret: string) => postTo(PORT, pathname, body, secret);

interface Msg {
  pm: string;
  email: string;
}

/** The events of one message, in the order they happen: delivery, then maybe opens, a click, or a bounce. */
function eventsFor(m: Msg, i: number, set: number): string[] {
  const t0 = Date.parse("2026-11-20T10:00:00Z") + i * 1000;
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const common = { MessageID: m.pm, MessageStream: "broadcast", Tag: "bench", Metadata: { campaign: "bench" }, ServerID: 1 };
  if (i % 50 === 0) return [JSON.stringify({ RecordType: "Bounce", ...common, ID: 900_000_000 + set * 1_000_000 + i, Type: "HardBounce", TypeCode: 1, Name: "Hard bounce", Email: m.email, BouncedAt: at(5), Inactive: true, CanActivate: true, Description: "unknown user", Details: "550", From: "news@bench.test", Subject: "s", DumpAvailable: false })];
  const out = [JSON.stringify({ RecordType: "Delivery", ...common, Recipient: m.email, DeliveredAt: at(1), Details: "250 OK" })];
  if (i % 3 !== 0) out.push(JSON.stringify({ RecordType: "Open", ...common, Recipient: m.email, ReceivedAt: at(60), FirstOpen: true, Platform: "WebMail", UserAgent: "bench", Client: { Name: "Chrome", Company: "Google", Family: "Chrome" }, OS: { Name: "Linux", Company: "", Family: "Linux" }, Geo: {} }));
  if (i % 6 === 1) out.push(JSON.stringify({ RecordType: "Open", ...common, Recipient: m.email, ReceivedAt: at(600), FirstOpen: false, Platform: "WebMail", UserAgent: "bench", Client: {}, OS: {}, Geo: {} }));
  if (i % 5 === 1) out.push(JSON.stringify({ RecordType: "Click", ...common, Recipient: m.email, ReceivedAt: at(90), OriginalLink: `https://example.com/l${i % 7}`, ClickLocation: "HTML", Platform: "Desktop", UserAgent: "bench", Client: {}, OS: {}, Geo: {} }));
  return out;
}

async function seedMessages(db: Db, tag: string, n: number): Promise<Msg[]> {
  const [c] = (await db.execute<{ id: string }>(sql`insert into campaigns (name, from_email, subject, html, status, recipient_count, sent_count) values (${"bench " + tag}, 'news@bench.test', 's', '<p>h</p>', 'sent', ${n}::int, ${n}::int) returning id`)).rows;
  await db.execute(sql`
    insert into messages (kind, campaign_id, to_email, from_email, subject, message_stream, status, postmark_message_id, sent_at)
    select 'campaign', ${c.id}::uuid, ${tag} || '-' || i || '@ingest.bench.test', 'news@bench.test', 's', 'broadcast', 'sent', ${tag} || '-pm-' || i, now()
    from generate_series(0, ${n - 1}::int) i`);
  return Array.from({ length: n }, (_, i) => ({ pm: `${tag}-pm-${i}`, email: `${tag}-${i}@ingest.bench.test` }));
}

const closedLoop = (pathname: string, bodies: () => string, secret: string, seconds: number, inFlight = 32) => loop(PORT, pathname, bodies, secret, seconds, inFlight);

type Log = (row: Record<string, string>) => void;

/** 1. Throughput, webhook vs no-op, with CPU per request for the app's processes and this client. */
async function throughput(db: Db, secret: string, appPid: number, log: Log) {
  // Distinct events so every webhook request is a real insert.
  const pool = await seedMessages(db, "tp", 60_000);
  const events = pool.flatMap((m, i) => eventsFor(m, i, 1));
  let next = 0;
  const body = () => events[next++ % events.length];
  await closedLoop("/api/bench/noop", body, secret, 3); // warm both paths
  await closedLoop("/api/webhooks/postmark", body, secret, 3);
  const measure = async (route: string) => {
    const before = cpuSeconds(appPid);
    const self = process.cpuUsage();
    const r = await closedLoop(route, body, secret, 15, IN_FLIGHT);
    const after = cpuSeconds(appPid);
    const client = process.cpuUsage(self);
    after.set("bench client", (client.user + client.system) / 1e6);
    return { ...r, cpu: cpuPerRequest(before, after, r.rps * 15) };
  };
  const noop = await measure("/api/bench/noop");
  const hook = await measure("/api/webhooks/postmark");
  log({ test: "CPU ms per request, no-op", result: noop.cpu });
  log({ test: "CPU ms per request, webhook", result: hook.cpu });
  log({ test: `max throughput (${IN_FLIGHT} in flight, 15 s)`, result: `webhook ${Math.round(hook.rps)} req/s vs no-op ${Math.round(noop.rps)} req/s = ${(hook.rps / noop.rps).toFixed(2)}` });
}

/** 2. Fixed arrival rate: 20,000 events at RATE a second (1,000 unless --rate), open loop (requests start on schedule, not on replies). */
async function fixedRate(db: Db, secret: string, log: Log) {
  // Warm the route and the database first (on its own, `--only fixed` would measure a cold start).
  const warm = (await seedMessages(db, "fw", 6_000)).flatMap((m, i) => eventsFor(m, i, 5));
  let w = 0;
  await closedLoop("/api/webhooks/postmark", () => warm[w++ % warm.length], secret, 3);
  const fixedPool = await seedMessages(db, "fx", 12_000);
  const fixed = fixedPool.flatMap((m, i) => eventsFor(m, i, 2)).slice(0, 20_000);
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < fixed.length; i++) {
    const due = started + (i * 1000) / RATE; // RATE a second, evenly spaced
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      post("/api/webhooks/postmark", fixed[i], secret).then((r) => {
        latencies.push(r.ms);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }),
    );
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const stored = (await db.execute<{ n: number }>(sql`select count(*)::int as n from message_events where postmark_message_id like 'fx-%'`)).rows[0].n;
  log({ test: `${RATE.toLocaleString("en")} events/s for ${(20_000 / RATE).toFixed(0)} s (${(fixed.length / elapsed).toFixed(0)}/s achieved)`, result: `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(0)} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}; 2xx ${statuses.get(200) ?? 0}, rows ${stored}` });
}

/** 3. Storm: in order once to twins A, three times shuffled to twins B; then compare. */
async function storm(db: Db, secret: string, log: Log) {
  const a = await seedMessages(db, "sa", STORM);
  const b = await seedMessages(db, "sb", STORM);
  const events = b.flatMap((m, i) => eventsFor(m, i, 4));
  let k = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      // In order per message: one worker handles whole messages at a time.
      for (;;) {
        const i = k++;
        if (i >= a.length) return;
        for (const e of eventsFor(a[i], i, 3)) await post("/api/webhooks/postmark", e, secret);
      }
    }),
  );
  const shuffled = [...events, ...events, ...events];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  let s = 0;
  const statuses = new Map<number, number>();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (;;) {
        const i = s++;
        if (i >= shuffled.length) return;
        let r = await post("/api/webhooks/postmark", shuffled[i], secret);
        // Postmark retries what is not 2xx; so do we.
        for (let tries = 0; r.status !== 200 && tries < 5; tries++) r = await post("/api/webhooks/postmark", shuffled[i], secret);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const counts = (await db.execute<{ events: number; keys: number }>(sql`select count(*)::int as events, count(distinct event_key)::int as keys from message_events where postmark_message_id like 'sb-%'`)).rows[0];
  const diff = (await db.execute<{ n: number }>(sql`
    select count(*)::int as n from messages ma join messages mb on replace(ma.postmark_message_id, 'sa-', '') = replace(mb.postmark_message_id, 'sb-', '')
    where ma.postmark_message_id like 'sa-%' and mb.postmark_message_id like 'sb-%'
      and (ma.status, ma.open_count, ma.click_count, ma.delivered_at, ma.first_opened_at, ma.last_opened_at, ma.first_clicked_at)
          is distinct from (mb.status, mb.open_count, mb.click_count, mb.delivered_at, mb.first_opened_at, mb.last_opened_at, mb.first_clicked_at)`)).rows[0].n;
  log({ test: `storm: ${events.length.toLocaleString("en")} events × 3, shuffled, 32 in flight`, result: `${(shuffled.length / seconds).toFixed(0)} req/s; rows ${counts.events} (expected ${events.length}, distinct keys ${counts.keys}); messages differing from the in-order twins: ${diff}; final statuses ${JSON.stringify(Object.fromEntries(statuses))}` });
}

async function main() {
  console.log(`bench:ingest on ${machine()}\n`);
  const launcher = await startLauncher({ dataDir: DATA, port: PORT, postgresPort: PG_PORT, env: { POSTLINE_BENCH_ROUTES: "on", POSTLINE_CRON: "off", ADMIN_PASSWORD: "bench-admin-password" }, fresh: true });
  const secrets = JSON.parse(fs.readFileSync(path.join(ROOT, DATA, "secrets.json"), "utf8")) as { POSTMARK_WEBHOOK_SECRET: string; POSTGRES_PASSWORD: string };
  const db = createDb(`postgres://postgres:${encodeURIComponent(secrets.POSTGRES_PASSWORD)}@127.0.0.1:${PG_PORT}/postline`, { max: 4 });
  const secret = secrets.POSTMARK_WEBHOOK_SECRET;
  const rows: Record<string, string | number>[] = [];
  const log: Log = (row) => {
    rows.push(row);
    console.log(`${row.test}: ${row.result}`);
  };
  try {
    if (ONLY.has("throughput")) await throughput(db, secret, launcher.child.pid!, log);
    if (ONLY.has("fixed")) await fixedRate(db, secret, log);
    if (ONLY.has("storm")) await storm(db, secret, log);
  } finally {
    await db.$client.end();
    await stopLauncher(launcher);
  }
  console.log(table(rows));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
