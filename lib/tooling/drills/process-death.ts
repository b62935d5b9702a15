/**
 * Drill 2 — process death. A campaign is sending and every accepted message becomes an outbound
 * `Email.Sent` delivery to a subscriber's endpoint; the app is SIGKILLed twice (no shutdown, no
 * cleanup: with the launcher, the launcher too) and started again each time.
 * Promises: nobody is mailed twice, nobody is missed (the sandbox's own records), and every outbound
 * delivery reaches the receiver (at least once; repeats are allowed by the contract and counted).
 */
import { sql } from "drizzle-orm";
import { messageIdFor } from "@/lib/outbound-webhooks/signing";
import { startReceiver } from "@/lib/outbound-webhooks/test-support";
import { apiOf, check, countSends, newResult, seedAudience, sendCampaign, sleep, tag, tickUntil, waitForCampaign, type DrillResult, type Size } from "./support";
import type { DrillSystem } from "./system";

const PARAMS = {
  // killAt: the share of recipients the sandbox has accepted (0: as soon as the first batch call
  // arrives, before Postmark answers it) and the share of outbound deliveries received.
  full: { recipients: 20_000, latencyMs: 30, killAt: [0.3, 0.1] },
  short: { recipients: 1_500, latencyMs: 600, killAt: [0, 0.1] },
};

/** An active endpoint for `events` at a receiver on 127.0.0.1 (created, then verified, through the API). */
export async function subscribe(sys: DrillSystem, receiver: Awaited<ReturnType<typeof startReceiver>>, events: string[], path = "/hooks/in"): Promise<string> {
  const call = apiOf(sys);
  const created = await call<{ data: { id: string; verification: { file_name: string; token: string } } }>("POST", "/api/v1/webhooks", { events, url: receiver.url(path), rate_limit: 100_000, rate_limit_period: "second" });
  if (created.status !== 201) throw new Error(`creating the endpoint failed: ${created.status} ${JSON.stringify(created.body)}`);
  const folder = path.slice(0, path.lastIndexOf("/") + 1);
  receiver.files[`${folder}${created.body.data.verification.file_name}`] = created.body.data.verification.token;
  const verified = await call("POST", `/api/v1/webhooks/${created.body.data.id}/verify`);
  if (verified.status !== 200) throw new Error(`verifying the endpoint failed: ${verified.status} ${JSON.stringify(verified.body)}`);
  return created.body.data.id;
}

export async function processDeathDrill(sys: DrillSystem, size: Size): Promise<DrillResult> {
  const p = PARAMS[size];
  const result = newResult("2 process death", `${p.recipients.toLocaleString("en")}-recipient campaign + ${p.recipients.toLocaleString("en")} outbound Email.Sent deliveries`, `app SIGKILLed mid-campaign (${p.killAt[0] ? `${p.killAt[0] * 100}% sent` : "first batch in flight"}), then mid-outbound (${p.killAt[1] * 100}% delivered)`);
  const run = `kill${tag()}`;
  const receiver = await startReceiver({ keepBodies: false });
  try {
    const endpointId = await subscribe(sys, receiver, ["Email.Sent"]);
    const { listId, emails } = await seedAudience(sys, run, p.recipients);
    sys.sandbox.setFaults({ latencyMs: p.latencyMs });
    const campaignId = await sendCampaign(sys, run, listId);
    const accepted = () => countSends(sys.sandbox.messages(), emails).accepted;
    const received = () => new Set(receiver.received.map((r) => r.headers["webhook-id"])).size;
    const batchCalls = () => sys.sandbox.stats().apiCalls["POST /email/batch"] ?? 0;
    const kills = [() => batchCalls() > 0 && accepted() >= p.recipients * p.killAt[0], () => received() >= p.recipients * p.killAt[1]];
    for (const due of kills) {
      const deadline = Date.now() + 600_000;
      let lastTick = 0;
      while (!due() && Date.now() < deadline) {
        await sleep(10);
        // The app chains its own sending runs; outbound delivery runs in its own cron.
        if (Date.now() - lastTick > 2_000) {
          lastTick = Date.now();
          void fetch(`${sys.baseUrl}/api/cron/deliver-webhooks`, { headers: { authorization: `Bearer ${sys.cronSecret}` } }).then((r) => r.arrayBuffer(), () => {});
        }
      }
      await sys.killApp();
      result.notes.push(`killed with ${accepted()} of ${p.recipients} accepted by the sandbox and ${received()} outbound deliveries received`);
      if (size === "short") {
        // A batch whose answer died with the process is checked against Postmark once no live
        // instance could still be waiting for that answer (about a minute). The short drill moves
        // that clock forward instead of waiting; the full drill waits.
        // Likewise an outbound delivery's lease (the request's timeout plus a margin).
        await sys.db.execute(sql`update send_batches set check_after = now() where status in ('in_flight', 'uncertain')`);
        await sys.db.execute(sql`update webhook_endpoints set lease_expires_at = now() where lease_expires_at is not null`);
      }
      await sys.restartApp();
    }
    const done = await waitForCampaign(sys, campaignId, { timeoutMs: size === "full" ? 1_200_000 : 180_000 });
    sys.sandbox.setFaults({});
    const pendingDeliveries = async () =>
      (await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${endpointId} and status <> 'succeeded'`)).rows[0].n;
    await tickUntil(sys, async () => (await pendingDeliveries()) === 0, size === "full" ? 1_200_000 : 120_000, 1_000);

    const sends = countSends(sys.sandbox.messages(), emails);
    check(result, done?.status === "sent", `the campaign did not finish (status ${done?.status ?? "unknown"})`);
    check(result, sends.duplicated === 0, `${sends.duplicated} recipients were mailed twice`);
    check(result, sends.missing === 0, `${sends.missing} recipients were never mailed`);

    // Outbound: one delivery per sent message, each received at least once.
    const { rows } = await sys.db.execute<{ id: string; event_id: string; status: string }>(sql`select id::text, event_id::text, status::text from webhook_deliveries where endpoint_id = ${endpointId}`);
    const [{ sent }] = (await sys.db.execute<{ sent: number }>(sql`select count(*)::int as sent from messages where campaign_id = ${campaignId} and postmark_message_id is not null`)).rows;
    const receivedIds = new Map<string, number>();
    for (const r of receiver.received) receivedIds.set(r.headers["webhook-id"], (receivedIds.get(r.headers["webhook-id"]) ?? 0) + 1);
    const events = new Set(rows.map((r) => r.event_id));
    const notReceived = [...events].filter((e) => !receivedIds.has(messageIdFor(e))).length;
    check(result, rows.length === sent, `${sent} messages were sent but ${rows.length} Email.Sent deliveries exist`);
    check(result, rows.every((r) => r.status === "succeeded"), `${rows.filter((r) => r.status !== "succeeded").length} outbound deliveries did not succeed`);
    check(result, notReceived === 0, `${notReceived} outbound deliveries never reached the receiver`);
    const repeats = [...receivedIds.values()].reduce((n, c) => n + c - 1, 0);
    result.notes.push(`outbound: ${rows.length} deliveries, ${receivedIds.size} distinct received, ${repeats} repeats (at least once allows them)`);
    // Calls to Postmark plus outbound requests the receiver got.
    result.requests = Object.values(sys.sandbox.stats().apiCalls).reduce((a, b) => a + b, 0) + receiver.received.length;
    result.notes.push(`Postmark API calls: ${JSON.stringify(sys.sandbox.stats().apiCalls)}`);
    // Archived, so later drills' deliver-webhooks runs do not linger for outbound work.
    await apiOf(sys)("POST", `/api/v1/webhooks/${endpointId}/archive`);
    result.lost = sends.missing + notReceived + Math.max(0, sent - rows.length);
    result.duplicated = sends.duplicated;
  } finally {
    await receiver.close();
  }
  return result;
}
