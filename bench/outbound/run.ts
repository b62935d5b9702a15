/**
 * bench:outbound — Postline's outbound webhooks against local receivers on 127.0.0.1 that answer after
 * 50 ms, with the delivery engine as the app runs it (an outbox in an embedded PostgreSQL, two
 * delivery loops standing for two app instances).
 *
 *   npm run bench:outbound
 *   npm run bench:outbound -- --events 200 --endpoints 50 --latency 50
 *
 * 1. Throughput: `events` (default 1,000) events fanned out to `endpoints` (default 100) receivers:
 *    100,000 deliveries; deliveries per second from the first attempt to the last success.
 * 2. Rate limit: 10 endpoints limited to 10 per second with a backlog of 200 each; the rate each
 *    receiver saw over the run, the most attempts started in any 1-second window (what the limit
 *    guarantees, from the attempts table), and the most requests a receiver saw arrive in any
 *    1-second window (start-to-arrival jitter can push one extra arrival into a window).
 * 3. Latency: events enqueued steadily (5 per second to 100 endpoints: 500 deliveries per second)
 *    while the loops run; enqueue (commit of the event's transaction) to first attempt, p50/p99.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { createDb, type Db } from "@/db";
import { migrateDatabase } from "@/db/migrate";
import { freePort } from "@/lib/local/launcher/ports";
import { startEmbeddedPostgres } from "@/lib/local/launcher/postgres";
import { createAddressPolicy } from "@/lib/outbound-webhooks/address-policy";
import { runOutboundDelivery } from "@/lib/outbound-webhooks/delivery-loop";
import type { OutboundDeps } from "@/lib/outbound-webhooks/deps";
import { createEndpoint, verificationFileName, verifyEndpoint } from "@/lib/outbound-webhooks/endpoints";
import type { OutboundEvent } from "@/lib/outbound-webhooks/events";
import { enqueueOutboundEvents } from "@/lib/outbound-webhooks/outbox";
import { startReceiver, type Receiver } from "@/lib/outbound-webhooks/test-support";
import { machine, table } from "../support";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const EVENTS = flag("events", 1_000);
const ENDPOINTS = flag("endpoints", 100);
const LATENCY = flag("latency", 50);
const LOOPS = 2;

const deps: OutboundDeps = { policy: createAddressPolicy(["127.0.0.1"]), accountId: "bench", now: () => new Date(), emailer: null, log: (m) => console.warn(m) };

async function liveEndpoints(db: Db, receivers: Receiver[], rateLimit: number, events: OutboundEvent["event"][]) {
  const ids: string[] = [];
  for (const r of receivers) {
    const e = await createEndpoint(db, { settings: { events, url: r.url("/hooks/in"), rate_limit: rateLimit, rate_limit_period: "second" } }, deps);
    r.files[`/hooks/${verificationFileName(e.verificationToken)}`] = e.verificationToken;
    const v = await verifyEndpoint(db, e.id, deps);
    if (!v.ok) throw new Error(`verification failed: ${v.message}`);
    ids.push(e.id);
  }
  return ids;
}

async function enqueue(db: Db, event: OutboundEvent["event"], count: number, from = 0) {
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) => ({ event, data: { seq: from + i + j, recipient: `r${from + i + j}@bench.test` }, occurredAt: new Date() }));
    await db.transaction((tx) => enqueueOutboundEvents(tx, batch));
  }
}

function loops(db: Db, options: { budgetMs: number; lingerMs?: number; signal?: AbortSignal }) {
  return Promise.all(Array.from({ length: LOOPS }, () => runOutboundDelivery(db, { ...options, concurrency: 64, pollMs: 50 }, deps)));
}

async function counts(db: Db) {
  const { rows } = await db.execute<{ status: string; n: number }>(sql`select status::text, count(*)::int as n from webhook_deliveries group by status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
}

async function throughput(db: Db) {
  const receivers = await Promise.all(Array.from({ length: ENDPOINTS }, () => startReceiver({ latencyMs: LATENCY, keepBodies: false })));
  await liveEndpoints(db, receivers, 100_000, ["Email.Delivered"]);
  const t0 = performance.now();
  await enqueue(db, "Email.Delivered", EVENTS);
  const enqueueSeconds = (performance.now() - t0) / 1000;
  const total = EVENTS * ENDPOINTS;
  const started = performance.now();
  await loops(db, { budgetMs: 30 * 60_000 });
  const seconds = (performance.now() - started) / 1000;
  const c = await counts(db);
  const received = receivers.reduce((n, r) => n + r.received.length, 0);
  await Promise.all(receivers.map((r) => r.close()));
  await db.execute(sql`update webhook_endpoints set status = 'archived'`);
  return {
    scenario: `${EVENTS.toLocaleString("en")} events × ${ENDPOINTS} endpoints, ${LATENCY} ms receivers`,
    deliveries: total.toLocaleString("en"),
    "enqueue (s)": enqueueSeconds.toFixed(1),
    "deliver (s)": seconds.toFixed(1),
    "deliveries/s": Math.round((c.succeeded ?? 0) / seconds),
    succeeded: c.succeeded ?? 0,
    "received (incl. duplicates)": received,
  };
}

async function rateLimit(db: Db) {
  const N = 10;
  const BACKLOG = 200;
  const receivers = await Promise.all(Array.from({ length: N }, () => startReceiver({ latencyMs: LATENCY, keepBodies: false })));
  await liveEndpoints(db, receivers, 10, ["Email.Opened"]);
  await enqueue(db, "Email.Opened", BACKLOG);
  const started = performance.now();
  await loops(db, { budgetMs: 10 * 60_000 });
  const seconds = (performance.now() - started) / 1000;
  const rows = receivers.map((r) => {
    const at = r.received.map((x) => x.at).sort((a, b) => a - b);
    // Requests per second between the first and the last arrival (n - 1 intervals).
    const rate = (at.length - 1) / ((at[at.length - 1] - at[0]) / 1000);
    let maxInWindow = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
      while (at[i] - at[j] >= 1000) j++;
      maxInWindow = Math.max(maxInWindow, i - j + 1);
    }
    return { rate, maxInWindow, n: at.length };
  });
  // The guarantee itself: attempt starts, as recorded in PostgreSQL, in any 1-second window.
  const { rows: starts } = await db.execute<{ n: number }>(sql`
    select coalesce(max(n), 0)::int as n from (
      select count(*) over (partition by a.endpoint_id order by a.started_at range between interval '999.999 milliseconds' preceding and current row) as n
      from webhook_delivery_attempts a join webhook_endpoints e on e.id = a.endpoint_id
      where e.status = 'active' and 'Email.Opened' = any(e.events)) x`);
  await Promise.all(receivers.map((r) => r.close()));
  await db.execute(sql`update webhook_endpoints set status = 'archived'`);
  const rates = rows.map((r) => r.rate);
  const worst = Math.max(...rates.map((r) => Math.abs(r - 10) / 10));
  return {
    scenario: `${N} endpoints limited to 10/s, ${BACKLOG} events each`,
    "run (s)": seconds.toFixed(1),
    "rate min/max (req/s)": `${Math.min(...rates).toFixed(2)} / ${Math.max(...rates).toFixed(2)}`,
    "worst deviation": `${(worst * 100).toFixed(1)}%`,
    "max starts in any 1 s (db)": starts[0].n,
    "max arrivals in any 1 s (receiver)": Math.max(...rows.map((r) => r.maxInWindow)),
    delivered: rows.reduce((n, r) => n + r.n, 0),
  };
}

async function latency(db: Db) {
  const PER_SECOND = 5;
  const SECONDS = flag("latency-seconds", 20);
  const receivers = await Promise.all(Array.from({ length: ENDPOINTS }, () => startReceiver({ latencyMs: LATENCY, keepBodies: false })));
  await liveEndpoints(db, receivers, 100_000, ["Email.Clicked"]);
  const stop = new AbortController();
  const running = loops(db, { budgetMs: (SECONDS + 60) * 1000, lingerMs: (SECONDS + 60) * 1000, signal: stop.signal });
  const start = Date.now();
  for (let s = 0; s < SECONDS * PER_SECOND; s++) {
    await enqueue(db, "Email.Clicked", 1, s);
    const next = start + ((s + 1) * 1000) / PER_SECOND;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  // Let the tail drain, then stop the lingering loops.
  for (let i = 0; i < 600; i++) {
    const c = await counts(db);
    if (!c.pending) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  stop.abort();
  await running;
  const { rows } = await db.execute<{ p50: number; p99: number; max: number; n: number }>(sql`
    select percentile_cont(0.5) within group (order by ms) as p50, percentile_cont(0.99) within group (order by ms) as p99, max(ms) as max, count(*)::int as n
    from (select extract(epoch from (d.first_attempt_at - d.created_at)) * 1000 as ms from webhook_deliveries d where d.event = 'Email.Clicked') x`);
  await Promise.all(receivers.map((r) => r.close()));
  const r = rows[0];
  return {
    scenario: `${PER_SECOND} events/s × ${ENDPOINTS} endpoints for ${SECONDS} s`,
    deliveries: r.n,
    "enqueue→first attempt p50 (ms)": Math.round(r.p50),
    "p99 (ms)": Math.round(r.p99),
    "max (ms)": Math.round(r.max),
  };
}

async function main() {
  console.log(`bench:outbound on ${machine()}`);
  console.log(`${LOOPS} delivery loops (as two app instances), receivers on 127.0.0.1 answering after ${LATENCY} ms\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "postline-bench-outbound-"));
  const pgServer = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: await freePort(), password: "bench" });
  await migrateDatabase(pgServer.url);
  const db = createDb(pgServer.url, { max: 20 });
  try {
    const a = await throughput(db);
    console.log(table([a]) + "\n");
    const b = await rateLimit(db);
    console.log(table([b]) + "\n");
    const c = await latency(db);
    console.log(table([c]) + "\n");
  } finally {
    await db.$client.end();
    await pgServer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
