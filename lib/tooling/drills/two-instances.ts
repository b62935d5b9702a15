/**
 * Drill 10 — two instances (issue 19). Two app processes on two ports against one PostgreSQL, a balancer
 * in front (the API calls and Postmark's webhooks spread across both), each instance's cron called at
 * the same moments (as two deployments' schedulers would), during a campaign whose messages become
 * outbound `Email.Sent` and `Email.Delivered` deliveries to two endpoints of one receiver (one endpoint
 * per event: an endpoint's deliveries go out one at a time, in order); instance b is SIGKILLed in the
 * middle and started again. Promises, from records the app does not keep: nobody mailed twice or missed
 * (the sandbox's messages), no outbound delivery lost (the receiver's log), every Postmark event the
 * sandbox posted stored once (message_events against the sandbox's events, by MessageID).
 */
import { sql } from "drizzle-orm";
import type { SandboxMessage } from "@/lib/local/postmark-sandbox/types";
import { messageIdFor } from "@/lib/outbound-webhooks/signing";
import { startReceiver } from "@/lib/outbound-webhooks/test-support";
import { subscribe } from "./process-death";
import { apiOf, check, cronAt, getCampaign, newResult, seedAudience, sendCampaign, sleep, tag, type CronJob, type DrillResult, type Size } from "./support";
import type { DrillSystem } from "./system";

const PARAMS = {
  // killAt: the share of recipients the sandbox has accepted (0: as soon as the first batch call
  // arrives, before Postmark answers it: both instances then have batches in flight).
  full: { recipients: 50_000, latencyMs: 30, killAt: 0.4, cronMs: 2_000, downMs: 5_000, timeoutMs: 1_800_000 },
  short: { recipients: 1_000, latencyMs: 1_000, killAt: 0, cronMs: 500, downMs: 500, timeoutMs: 180_000 },
};

/**
 * Calls every cron job on every instance at the same moments, every `everyMs`; one call in flight per
 * instance and job (outbound delivery lingers while endpoints are active). A dead instance's calls fail.
 */
function cronOnEveryInstance(sys: DrillSystem, everyMs: number) {
  const jobs: CronJob[] = ["send", "deliver-webhooks", "alert-digests"];
  const inFlight = new Set<string>();
  let calls = 0;
  const timer = setInterval(() => {
    for (const instance of sys.instances) {
      for (const job of jobs) {
        const key = `${instance.name} ${job}`;
        if (inFlight.has(key)) continue;
        inFlight.add(key);
        calls++;
        void cronAt(instance.baseUrl, sys.cronSecret, job).finally(() => inFlight.delete(key));
      }
    }
  }, everyMs);
  return {
    get calls() {
      return calls;
    },
    stop: () => clearInterval(timer),
  };
}

/** Per address, how often the sandbox accepted it, reading only messages new since the last call. */
function sendCounter(sys: DrillSystem, emails: string[]) {
  const wanted = new Set(emails);
  const per = new Map<string, number>();
  const ours: SandboxMessage[] = [];
  let seen = 0;
  return () => {
    const all = sys.sandbox.messages();
    for (; seen < all.length; seen++) {
      const to = all[seen].recipients.find((r) => wanted.has(r));
      if (!to) continue;
      ours.push(all[seen]);
      per.set(to, (per.get(to) ?? 0) + 1);
    }
    let duplicated = 0;
    for (const n of per.values()) duplicated += n - 1;
    return { accepted: per.size, duplicated, missing: emails.length - per.size, ours };
  };
}

export async function twoInstancesDrill(sys: DrillSystem, size: Size): Promise<DrillResult> {
  if (sys.instances.length < 2) throw new Error("the two-instance drill needs startDrillSystem({ instances: 2 })");
  const p = PARAMS[size];
  const result = newResult(
    "10 two instances",
    `${p.recipients.toLocaleString("en")}-recipient campaign on 2 instances, one database; API, webhooks and cron on both; outbound Email.Sent + Email.Delivered`,
    `instance b SIGKILLed ${p.killAt ? `at ${p.killAt * 100}% sent` : "with the first batches in flight"}, restarted after ${p.downMs / 1000} s`,
  );
  const run = `two${tag()}`;
  const receiver = await startReceiver({ keepBodies: false });
  const ticker = cronOnEveryInstance(sys, p.cronMs);
  try {
    const endpointIds = [await subscribe(sys, receiver, ["Email.Sent"], "/sent/in"), await subscribe(sys, receiver, ["Email.Delivered"], "/delivered/in")];
    const endpoints = JSON.stringify(endpointIds);
    const { listId, emails } = await seedAudience(sys, run, p.recipients);
    sys.sandbox.setFaults({ latencyMs: p.latencyMs });
    sys.sandbox.setRates({ open: 0.3, click: 0.1 });
    const sends = sendCounter(sys, emails);
    const campaignId = await sendCampaign(sys, run, listId);

    const started = Date.now();
    const batchCalls = () => sys.sandbox.stats().apiCalls["POST /email/batch"] ?? 0;
    const killBy = Date.now() + p.timeoutMs;
    while ((batchCalls() === 0 || sends().accepted < p.recipients * p.killAt) && Date.now() < killBy) await sleep(10);
    const [, b] = sys.instances;
    await b.kill();
    result.notes.push(`killed instance b with ${sends().accepted} of ${p.recipients} accepted by the sandbox`);
    if (size === "short") {
      // As in drill 2: a batch whose answer died with b is checked against Postmark once no live process
      // could still be waiting for it (about a minute), and an outbound lease expires after the request's
      // timeout. The short drill moves those clocks forward; the full drill waits them out.
      await sys.db.execute(sql`update send_batches set check_after = now() where status in ('in_flight', 'uncertain')`);
      await sys.db.execute(sql`update webhook_endpoints set lease_expires_at = now() where lease_expires_at is not null`);
    }
    await sleep(p.downMs);
    await b.restart();
    result.notes.push(`instance b restarted with ${sends().accepted} accepted`);

    const deadline = Date.now() + p.timeoutMs;
    let campaign = await getCampaign(sys, campaignId);
    while (campaign?.status !== "sent" && Date.now() < deadline) {
      await sleep(500);
      campaign = (await getCampaign(sys, campaignId)) ?? campaign;
    }
    sys.sandbox.setFaults({});
    const sentAfter = (Date.now() - started) / 1000;
    // Every event the sandbox will post has fired and been posted (retries included), then the
    // deliveries they and the sends made have all gone out.
    await sys.sandbox.flushWebhooks({ timeoutMs: Math.max(0, deadline - Date.now()) }).catch(() => {});
    const pending = async () =>
      (await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from webhook_deliveries where endpoint_id::text in (select jsonb_array_elements_text(${endpoints}::jsonb)) and status = 'pending'`)).rows[0].n;
    while ((await pending()) > 0 && Date.now() < deadline) await sleep(500);
    result.notes.push(`campaign sent ${sentAfter.toFixed(1)} s after the send, every event and outbound delivery done after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // Sending: the sandbox's own records.
    const counted = sends();
    check(result, campaign?.status === "sent", `the campaign did not finish (status ${campaign?.status ?? "unknown"})`);
    check(result, counted.duplicated === 0, `${counted.duplicated} recipients were mailed twice`);
    check(result, counted.missing === 0, `${counted.missing} recipients were never mailed`);

    // Postmark's events: each one the sandbox posted is one row (matched by MessageID and type).
    const ids = JSON.stringify(counted.ours.map((m) => m.messageId));
    const posted = new Map<string, number>();
    let notPosted = 0;
    for (const m of counted.ours) {
      for (const e of m.events) {
        if (e.webhook === "posted") posted.set(e.recordType, (posted.get(e.recordType) ?? 0) + 1);
        else notPosted++;
      }
    }
    const { rows: storedRows } = await sys.db.execute<{ record_type: string; n: number; orphans: number }>(sql`
      select record_type, count(*)::int as n, count(*) filter (where message_id is null)::int as orphans
      from message_events
      where postmark_message_id in (select jsonb_array_elements_text(${ids}::jsonb))
      group by record_type`);
    const stored = new Map(storedRows.map((r) => [r.record_type, r.n]));
    let eventsMissing = 0;
    let eventsExtra = 0;
    for (const type of new Set([...posted.keys(), ...stored.keys()])) {
      const want = posted.get(type) ?? 0;
      const have = stored.get(type) ?? 0;
      eventsMissing += Math.max(0, want - have);
      eventsExtra += Math.max(0, have - want);
    }
    check(result, notPosted === 0, `${notPosted} sandbox events were never posted successfully`);
    check(result, eventsMissing === 0, `${eventsMissing} Postmark events posted but not stored`);
    check(result, eventsExtra === 0, `${eventsExtra} more events stored than Postmark posted (stored twice)`);
    const orphans = storedRows.reduce((n, r) => n + r.orphans, 0);
    result.notes.push(`Postmark events posted and stored: ${JSON.stringify(Object.fromEntries(posted))}; stored without their message: ${orphans}`);

    // Outbound: one Email.Sent per sent message, one Email.Delivered per stored Delivery, each received.
    const { rows } = await sys.db.execute<{ event_id: string; event: string; status: string }>(
      sql`select event_id::text, event, status::text from webhook_deliveries where endpoint_id::text in (select jsonb_array_elements_text(${endpoints}::jsonb))`,
    );
    const [{ sent }] = (await sys.db.execute<{ sent: number }>(sql`select count(*)::int as sent from messages where campaign_id = ${campaignId} and postmark_message_id is not null`)).rows;
    const byEvent = (name: string) => rows.filter((r) => r.event === name).length;
    const receivedIds = new Map<string, number>();
    for (const r of receiver.received) receivedIds.set(r.headers["webhook-id"], (receivedIds.get(r.headers["webhook-id"]) ?? 0) + 1);
    const notReceived = [...new Set(rows.map((r) => r.event_id))].filter((e) => !receivedIds.has(messageIdFor(e))).length;
    const deliveries = stored.get("Delivery") ?? 0;
    check(result, byEvent("Email.Sent") === sent, `${sent} messages were sent but ${byEvent("Email.Sent")} Email.Sent deliveries exist`);
    check(result, byEvent("Email.Delivered") === deliveries, `${deliveries} Delivery events were stored but ${byEvent("Email.Delivered")} Email.Delivered deliveries exist`);
    check(result, rows.every((r) => r.status === "succeeded"), `${rows.filter((r) => r.status !== "succeeded").length} outbound deliveries did not succeed`);
    check(result, notReceived === 0, `${notReceived} outbound deliveries never reached the receiver`);
    const repeats = [...receivedIds.values()].reduce((n, c) => n + c - 1, 0);
    result.notes.push(`outbound: ${rows.length} deliveries, ${receivedIds.size} distinct received, ${repeats} repeats (at least once allows them)`);

    // The work was spread: what each instance answered through the balancer, and its cron calls.
    const answered = [...(sys.balancer?.answered ?? [])].map(([url, n]) => `${sys.instances.find((i) => i.baseUrl === url)?.name ?? url} ${n}`).join(", ");
    result.notes.push(`Postmark API calls: ${JSON.stringify(sys.sandbox.stats().apiCalls)}`);
    const failed = JSON.stringify(Object.fromEntries(sys.balancer?.failed ?? []));
    result.notes.push(`requests through the balancer answered by instance: ${answered}; answered 502 by the balancer: ${failed}; cron calls ${ticker.calls}`);
    result.requests = Object.values(sys.sandbox.stats().apiCalls).reduce((a, c) => a + c, 0) + receiver.received.length + [...(sys.balancer?.answered.values() ?? [])].reduce((a, c) => a + c, 0);
    for (const id of endpointIds) await apiOf(sys)("POST", `/api/v1/webhooks/${id}/archive`);
    result.lost = counted.missing + notReceived + eventsMissing + notPosted + Math.max(0, sent - byEvent("Email.Sent")) + Math.max(0, deliveries - byEvent("Email.Delivered"));
    result.duplicated = counted.duplicated + eventsExtra;
  } finally {
    ticker.stop();
    sys.sandbox.setRates({ open: 0, click: 0 });
    await receiver.close();
  }
  return result;
}
