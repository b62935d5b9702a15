/**
 * Drill 9 — the complaint circuit breaker (issue 18). A campaign whose audience complains at 0.5%
 * (every 200th recipient's local part is `spam`: the sandbox delivers, then posts a SpamComplaint) is
 * sent with the app's default thresholds (pause above 0.3% from 1,000 delivered).
 * Promises: the campaign pauses with its reason recorded, and fewer than 1% of the audience is handed
 * to Postmark while the rate was above the threshold. The rate is followed through the stored events,
 * in the order ingestion stored them and counted as the breaker counts (complaints / delivered, from
 * 1,000 delivered), up to the pause. Early in a send it can cross 0.3% and fall back (6 complaints at
 * 1,998 delivered is above, at 2,000 it is not); the breaker's rule is "above", so what went out while
 * the rate was back under it is not counted, and every stretch above is. What was sent, and when,
 * comes from the sandbox's own records (when each message was submitted).
 */
import { sql } from "drizzle-orm";
import { apiOf, check, newResult, seedAudience, sendCampaign, sleep, tag, tickUntil, type DrillResult, type Size } from "./support";
import type { DrillSystem } from "./system";

const PARAMS = {
  full: { recipients: 10_000, latencyMs: 300 },
  short: { recipients: 5_000, latencyMs: 300 },
};
const EVERY = 200; // 0.5%
const PAUSE_RATE = 0.003;
const MIN_DELIVERIES = 1_000;

export async function complaintBreakerDrill(sys: DrillSystem, size: Size): Promise<DrillResult> {
  const p = PARAMS[size];
  const result = newResult("9 complaint breaker", `${p.recipients.toLocaleString("en")}-recipient campaign, 0.5% complain`, `Postmark answers each call in ${p.latencyMs} ms`);
  const run = `cb${tag()}`;
  const { listId, emails } = await seedAudience(sys, run, p.recipients, (i) => (i % EVERY === EVERY - 1 ? "spam" : "r"));
  sys.sandbox.setFaults({ latencyMs: p.latencyMs });
  const campaignId = await sendCampaign(sys, run, listId);
  const status = async () => (await sys.db.execute<{ status: string }>(sql`select status::text as status from campaigns where id = ${campaignId}::uuid`)).rows[0].status;
  await tickUntil(sys, async () => ["paused", "sent"].includes(await status()), size === "full" ? 600_000 : 240_000, 1_000);
  // Batches already handed to Postmark finish; give their answers and webhooks a moment to land.
  await sleep(3_000);
  sys.sandbox.setFaults({});

  const trips = await sys.db.execute<{ reason: string; level: string; paused: boolean; delivered: number; complaints: number; rate: number; tripped_at: Date }>(sql`
    select reason::text, level::text, paused, delivered, complaints, rate, tripped_at from breaker_trips where campaign_id = ${campaignId}::uuid order by id`);
  const pause = trips.rows.find((t) => t.level === "pause");
  // The rate: events of this campaign in the order they were stored, counted as the breaker counts, up
  // to the pause.
  const events = await sys.db.execute<{ record_type: string; received_at: Date; message_id: string }>(sql`
    select e.record_type, e.received_at, e.message_id from message_events e join messages m on m.id = e.message_id
    where m.campaign_id = ${campaignId}::uuid and e.record_type in ('Delivery', 'SpamComplaint') order by e.received_at, e.id`);
  let delivered = 0;
  let complaints = 0;
  // Each stretch of time the rate was above the threshold (the last one open until the pause).
  const stretches: { from: Date; to: Date | null; delivered: number; complaints: number }[] = [];
  for (const e of events.rows) {
    if (pause && new Date(e.received_at) > new Date(pause.tripped_at)) break;
    if (e.record_type === "Delivery") delivered++;
    else complaints++;
    const above = delivered >= MIN_DELIVERIES && complaints / delivered > PAUSE_RATE;
    const open = stretches.at(-1)?.to === null ? stretches.at(-1)! : null;
    if (above && !open) stretches.push({ from: new Date(e.received_at), to: null, delivered, complaints });
    else if (!above && open) open.to = new Date(e.received_at);
  }
  const crossing = stretches.at(-1)?.to === null ? stretches.at(-1)! : null;
  const wanted = new Set(emails);
  const mine = sys.sandbox.messages().filter((m) => m.recipients.some((r) => wanted.has(r)));
  // Sent while the rate was above the threshold, in any stretch (a dip under it is not counted).
  const sentWhileAbove = mine.filter((m) => {
    const at = Date.parse(m.submittedAt);
    return stretches.some((x) => at > x.from.getTime() && (x.to === null || at <= x.to.getTime()));
  }).length;
  const finalStatus = await status();
  const budget = Math.floor(p.recipients / 100);
  const pct = (c: { delivered: number; complaints: number }) => `${((c.complaints / c.delivered) * 100).toFixed(2)}%`;
  if (stretches.length > 1) {
    const f = stretches[0];
    result.notes.push(`above the threshold ${stretches.length} times before the pause, first at ${f.delivered.toLocaleString("en")} delivered with ${f.complaints} complaints (${pct(f)}), falling back under it in between`);
  }
  result.notes.push(
    crossing
      ? `threshold crossed for good at ${crossing.delivered.toLocaleString("en")} delivered with ${crossing.complaints} complaints (${pct(crossing)}); recipients sent while the rate was above it: ${sentWhileAbove} (1% of the audience is ${budget})`
      : "the threshold was never crossed",
  );
  result.notes.push(`${mine.length.toLocaleString("en")} of ${p.recipients.toLocaleString("en")} sent in all; campaign ${finalStatus}${pause ? `, paused at ${pause.complaints} complaints of ${pause.delivered} delivered (${(pause.rate * 100).toFixed(2)}%)` : ""}`);
  console.log(`[drill 9] ${result.notes.join("; ")}`);
  check(result, crossing !== null, "the complaint rate never crossed the threshold (the sandbox did not force complaints?)");
  check(result, finalStatus === "paused", `the campaign is ${finalStatus}, not paused`);
  check(result, pause?.reason === "complaint_rate" && pause.paused === true, "no complaint-rate pause recorded in breaker_trips");
  check(result, sentWhileAbove < budget, `${sentWhileAbove} recipients were sent while the rate was above the threshold (1% of the audience is ${budget})`);
  const alerts = await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from alerts where kind = 'deliverability_breaker' and dedupe_key like ${`campaign:${campaignId}:%`}`);
  check(result, alerts.rows[0].n >= 1, "no admin alert was raised");
  result.requests = Object.values(sys.sandbox.stats().apiCalls).reduce((a, b) => a + b, 0);
  // Cancelled, so later drills' sending runs have nothing of it to look at.
  await apiOf(sys)("POST", `/api/v1/campaigns/${campaignId}/cancel`);
  return result;
}
