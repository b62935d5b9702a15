/**
 * Drill 1 — database restart. PostgreSQL is stopped (pg_ctl, fast mode, then immediate mode) and started
 * again while Postmark-like webhook traffic arrives at a steady rate and a campaign is sending.
 * Promises: every event answered 2xx is stored exactly once (Postmark retries the others, so in the end
 * every event is); requests during the outage get 503, within 3 s, never a 2xx without a row; the
 * campaign completes with nobody mailed twice or missed (the sandbox's own records), and every Delivery
 * the sandbox posted (and retried) ends stored.
 */
import { sql } from "drizzle-orm";
import { startPostgres, stopPostgres, type ShutdownMode } from "./postgres-control";
import { check, countSends, deliveryPayload, newResult, request, seedAudience, sendCampaign, sleep, tag, waitForCampaign, webhookUrl, type DrillResult, type Size } from "./support";
import { percentile } from "../../../bench/support";
import type { DrillSystem } from "./system";

const PARAMS = {
  full: { rate: 200, seconds: 60, recipients: 10_000, downMs: 8_000, latencyMs: 1_000 },
  short: { rate: 50, seconds: 9, recipients: 1_500, downMs: 1_500, latencyMs: 1_000 },
};

export async function databaseRestartDrill(sys: DrillSystem, size: Size): Promise<DrillResult> {
  const p = PARAMS[size];
  const result = newResult("1 database restart", `${p.rate} webhooks/s for ${p.seconds} s + ${p.recipients.toLocaleString("en")}-recipient campaign`, `pg_ctl stop -m fast, then -m immediate (${p.downMs / 1000} s down each)`);
  const run = `db${tag()}`;
  const { listId, emails } = await seedAudience(sys, run, p.recipients);
  // Postmark answers each call after a second, so batches are in flight when the database goes away.
  sys.sandbox.setFaults({ latencyMs: p.latencyMs });

  // Postmark-like traffic: one new event every 1/rate s (open loop: a slow answer does not slow the
  // sender), and every event not answered 2xx is posted again a second later, as Postmark retries.
  const total = p.rate * p.seconds;
  const bodies = Array.from({ length: total }, (_, i) => deliveryPayload(`drill-${run}-${i}`, `evt${i}@drill.test`));
  const accepted = new Set<number>();
  const statuses = new Map<number, number>();
  const outage = { start: 0, end: 0 };
  const slowDuringOutage: number[] = [];
  const latencies503: number[] = [];
  const pending: Promise<void>[] = [];
  let requests = 0;
  const post = async (i: number): Promise<void> => {
    for (let attempt = 0; attempt < 200 && !accepted.has(i); attempt++) {
      requests++;
      const sentAt = Date.now();
      const answer = await request(webhookUrl(sys), { headers: { "content-type": "application/json", "x-webhook-secret": sys.webhookSecret }, body: bodies[i], timeoutMs: 30_000 }).catch(() => null);
      const status = answer?.status ?? 0;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const inOutage = outage.start && sentAt >= outage.start && (!outage.end || sentAt <= outage.end);
      if (status === 503) latencies503.push(answer!.ms);
      if (inOutage && (answer?.ms ?? 30_000) > 3_000) slowDuringOutage.push(answer?.ms ?? 30_000);
      if (status >= 200 && status < 300) accepted.add(i);
      else await sleep(1_000);
    }
  };
  const started = Date.now();
  const traffic = (async () => {
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / p.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      pending.push(post(i));
    }
  })();

  const restart = async (mode: ShutdownMode) => {
    outage.start = Date.now();
    outage.end = 0;
    await stopPostgres(sys.postgres.dataDir, mode);
    await sleep(p.downMs);
    await startPostgres(sys.postgres.dataDir, sys.postgres.port);
    outage.end = Date.now();
  };
  let sendingAtOutage = 0;
  const progress = async (campaignId: string) => (await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from messages where campaign_id = ${campaignId} and status = 'sent'`)).rows[0].n;
  await sleep((p.seconds * 1000) / 4 - 500);
  // The campaign starts just before the first outage, so it is sending through both.
  const campaignId = await sendCampaign(sys, run, listId);
  await sleep(500);
  sendingAtOutage = await progress(campaignId);
  await restart("fast");
  await sleep((p.seconds * 1000) / 4);
  await restart("immediate");
  await traffic;
  await Promise.all(pending);
  result.notes.push(`campaign progress when the database first stopped: ${sendingAtOutage}/${p.recipients}`);

  if (size === "short") {
    // A batch whose answer was lost to the outage is checked against Postmark once no live instance
    // could still be waiting for it (a minute); the short drill moves that clock on, the full one waits.
    await sys.db.execute(sql`update send_batches set check_after = now() where status in ('in_flight', 'uncertain')`);
  }
  const done = await waitForCampaign(sys, campaignId, { timeoutMs: size === "full" ? 600_000 : 120_000 });
  sys.sandbox.setFaults({});
  await sys.sandbox.flushWebhooks({ timeoutMs: 180_000 }).catch(() => {});
  result.requests = requests;
  // No event may be left as an orphan once its message has its MessageID: dispatch locks the ids it
  // writes and ingestion waits on them (postline_lock_postmark_ids), so a Delivery racing its send's
  // commit finds its message; one whose send was rolled back by the outage is linked when the batch is
  // adopted from Postmark's outbound search.
  const { rows: stranded } = await sys.db.execute<{ orphans: number }>(sql`select count(*)::int as orphans from message_events e join messages m on m.postmark_message_id = e.postmark_message_id where e.message_id is null and m.campaign_id = ${campaignId}`);
  check(result, stranded[0].orphans === 0, `${stranded[0].orphans} events left as orphans although their messages have MessageIDs`);

  // Exactly once: every event answered 2xx has one row; none has two.
  const { rows } = await sys.db.execute<{ id: string; n: number }>(sql`select postmark_message_id as id, count(*)::int as n from message_events where postmark_message_id like ${`drill-${run}-%`} group by 1`);
  const stored = new Map(rows.map((r) => [r.id, r.n]));
  let lostEvents = 0;
  for (let i = 0; i < total; i++) if (!stored.has(`drill-${run}-${i}`)) lostEvents++;
  const duplicatedEvents = rows.reduce((n, r) => n + Math.max(0, r.n - 1), 0);
  check(result, accepted.size === total, `${total - accepted.size} events were never accepted despite retries`);
  check(result, lostEvents === 0, `${lostEvents} events answered 2xx (or never accepted) have no stored row`);
  check(result, duplicatedEvents === 0, `${duplicatedEvents} events are stored more than once`);
  const unexpected = [...statuses.keys()].filter((s) => s !== 200 && s !== 503);
  check(result, unexpected.length === 0, `answers other than 200 and 503: ${unexpected.map((s) => `${s}×${statuses.get(s)}`).join(", ")}`);
  check(result, (statuses.get(503) ?? 0) > 0, "no request saw the outage (no 503): the drill did not test anything");
  check(result, latencies503.every((ms) => ms <= 3_000), `slowest 503 took ${Math.round(Math.max(...latencies503))} ms (limit 3,000)`);
  check(result, slowDuringOutage.length === 0, `${slowDuringOutage.length} requests made during an outage took more than 3 s`);
  result.notes.push(`answers: ${[...statuses].map(([s, n]) => `${s || "no answer"}×${n}`).join(", ")}; 503 latency p50 ${Math.round(percentile(latencies503, 50))} ms, max ${Math.round(Math.max(0, ...latencies503))} ms`);

  // The campaign, against what the sandbox really accepted, and every Delivery webhook it posted.
  const sends = countSends(sys.sandbox.messages(), emails);
  check(result, done?.status === "sent", `the campaign did not finish (status ${done?.status ?? "unknown"})`);
  check(result, sends.duplicated === 0, `${sends.duplicated} recipients were mailed twice`);
  check(result, sends.missing === 0, `${sends.missing} recipients were never mailed`);
  const [{ undelivered }] = (await sys.db.execute<{ undelivered: number }>(sql`select count(*)::int as undelivered from messages where campaign_id = ${campaignId} and status <> 'delivered'`)).rows;
  if (undelivered) {
    const { rows: missing } = await sys.db.execute<{ status: string; pm: string | null; orphans: number }>(sql`
      select m.status::text, m.postmark_message_id as pm,
        (select count(*)::int from message_events e where e.postmark_message_id = m.postmark_message_id and e.message_id is null) as orphans
      from messages m where m.campaign_id = ${campaignId} and m.status <> 'delivered' limit 5`);
    result.notes.push(`undelivered: ${JSON.stringify(missing)}`);
  }
  check(result, undelivered === 0, `${undelivered} campaign messages lack the Delivery webhook the sandbox posted`);
  result.lost = lostEvents + sends.missing + undelivered;
  result.duplicated = duplicatedEvents + sends.duplicated;
  return result;
}
