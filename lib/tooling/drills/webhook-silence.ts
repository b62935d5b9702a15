/**
 * Drill 4 — webhook silence. The sandbox drops every webhook post while a campaign goes out whose
 * recipients are delivered, open, click, bounce, complain and unsubscribe (forced by their addresses).
 * Time is simulated by moving the database's clock-bearing columns back (sent_at, received_at, …), as
 * if those minutes had passed, and the real reconcile cron route is called:
 * - after 11 minutes (past the 10-minute grace) reconciliation restores every status to what the
 *   sandbox says happened, and no silence alert fires yet (its window is 30 minutes by design);
 * - after 41 minutes the silence alert fires, once, and the admins get one email about it.
 */
import { sql } from "drizzle-orm";
import { alertEmails, check, cron, newResult, seedAudience, sendCampaign, tag, waitForCampaign, type DrillResult, type Size } from "./support";
import { sandboxTruth } from "@/lib/local/postmark-sandbox/test-support";
import type { DrillSystem } from "./system";

const OUTCOMES = ["delivered", "open", "click", "hardbounce", "spam", "unsubscribe", "softbounce", "click"];
const PARAMS = { full: { recipients: 4_000 }, short: { recipients: 160 } };

/** As if `minutes` had passed: every timestamp the reconciliation and the silence check read moves back. */
async function letTimePass(sys: DrillSystem, minutes: number): Promise<void> {
  const by = sql.raw(`interval '${minutes} minutes'`);
  await sys.db.execute(sql`update messages set sent_at = sent_at - ${by}, created_at = created_at - ${by}, reconciled_at = reconciled_at - ${by}`);
  // received_at is the partition key of both: an event and its raw JSON move together.
  await sys.db.execute(sql`update message_events set received_at = received_at - ${by}`);
  await sys.db.execute(sql`update message_event_raw set received_at = received_at - ${by}`);
  await sys.db.execute(sql`update suspicious_requests set created_at = created_at - ${by}`);
  await sys.db.execute(sql`update reconcile_runs set started_at = started_at - ${by}, heartbeat_at = heartbeat_at - ${by}, finished_at = finished_at - ${by}`);
  await sys.db.execute(sql`update alerts set created_at = created_at - ${by}, last_seen_at = last_seen_at - ${by}, emailed_at = emailed_at - ${by}`);
}

export async function webhookSilenceDrill(sys: DrillSystem, size: Size): Promise<DrillResult> {
  const p = PARAMS[size];
  const result = newResult("4 webhook silence", `${p.recipients.toLocaleString("en")}-recipient campaign, 7 forced outcomes`, "every webhook post dropped; 11 then 41 simulated minutes");
  const run = `quiet${tag()}`;
  const { listId, emails } = await seedAudience(sys, run, p.recipients, (i) => OUTCOMES[i % OUTCOMES.length]);
  sys.sandbox.setDelivery({ dropRate: 1 });
  const droppedBefore = sys.sandbox.stats().dropped;
  const campaignId = await sendCampaign(sys, run, listId);
  const done = await waitForCampaign(sys, campaignId, { timeoutMs: size === "full" ? 600_000 : 120_000 });
  check(result, done?.status === "sent", `the campaign did not finish (status ${done?.status ?? "unknown"})`);
  await sys.sandbox.flushWebhooks({ timeoutMs: 120_000 });
  const dropped = sys.sandbox.stats().dropped - droppedBefore;
  sys.sandbox.setDelivery({ dropRate: 0 });

  const wanted = new Set(emails);
  const truth = new Map(sys.sandbox.messages().filter((m) => m.recipients.some((r) => wanted.has(r))).map((m) => [m.messageId, sandboxTruth(m)]));
  const mismatches = async () => {
    const { rows } = await sys.db.execute<{ pm: string; status: string }>(sql`select postmark_message_id as pm, status::text from messages where campaign_id = ${campaignId}`);
    return rows.filter((r) => truth.get(r.pm) !== r.status).length;
  };
  const before = await mismatches();
  const silenceAlerts = async () => (await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from alerts where kind = 'webhook_silence'`)).rows[0].n;
  const emailsBefore = alertEmails(sys).filter((m) => m.subject.includes("No Postmark webhooks")).length;

  await letTimePass(sys, 11);
  let runs = 0;
  let after = before;
  while (after > 0 && runs < 40) {
    const status = await cron(sys, "reconcile");
    runs++;
    check(result, status === 200 || runs > 1, `the reconcile cron answered ${status}`);
    after = await mismatches();
  }
  const earlyAlerts = await silenceAlerts();
  check(result, after === 0, `${after} of ${truth.size} statuses still differ from Postmark's after ${runs} reconciliation runs`);
  check(result, earlyAlerts === 0, "a silence alert fired after 11 minutes, inside its 30-minute window");

  await letTimePass(sys, 30);
  const status = await cron(sys, "reconcile");
  check(result, status === 200, `the reconcile cron answered ${status}`);
  const fired = await silenceAlerts();
  const emailed = alertEmails(sys).filter((m) => m.subject.includes("No Postmark webhooks")).length - emailsBefore;
  check(result, fired === 1, `${fired} silence alerts after 41 silent minutes (expected 1)`);
  check(result, emailed === 1, `${emailed} silence emails to the admin (expected 1)`);
  result.notes.push(`${dropped} webhook posts dropped; ${before} of ${truth.size} statuses wrong before reconciliation, ${after} after ${runs} run(s); silence alert ${fired ? "fired" : "did not fire"}, ${emailed} email(s)`);
  result.requests = runs + 1;
  result.lost = after + Math.abs(truth.size - p.recipients);
  return result;
}
