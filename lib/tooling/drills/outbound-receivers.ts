/**
 * Drill 7 — outbound receivers that misbehave. Five endpoints on 127.0.0.1 subscribe to Email.Sent:
 * one healthy, one that never answers, one that answers 500, one 410 Gone, one that redirects to a
 * trap. Single emails through the API raise the events; the deliver-webhooks cron delivers them.
 * Promises: the healthy receiver gets every event, in order, correctly signed; the hanging one is
 * given up on at the 15 s timeout; 410 disables its endpoint after one request; a redirect is not
 * followed (the trap sees nothing) and counts as a failure; the 500 endpoint is retried on the
 * documented schedule (30 s, 1 min, 2 min … 6 h, ±20% jitter: about a day, simulated by moving each
 * delivery's next attempt to now once its schedule is noted) and then disabled, with an alert email.
 */
import { createHmac } from "node:crypto";
import { sql } from "drizzle-orm";
import { MAX_ATTEMPTS, RETRY_DELAYS_MS } from "@/lib/outbound-webhooks/delivery-loop";
import { startReceiver, type Receiver } from "@/lib/outbound-webhooks/test-support";
import { subscribe } from "./process-death";
import { alertEmails, apiOf, check, cron, newResult, sleep, tag, tickUntil, type DrillResult, type Size } from "./support";
import type { DrillSystem } from "./system";

const PARAMS = { full: { events: 5 }, short: { events: 3 } };

export async function outboundReceiversDrill(sys: DrillSystem, size: Size): Promise<DrillResult> {
  const p = PARAMS[size];
  const result = newResult("7 outbound receivers", `${p.events} events × 5 endpoints`, "receivers that hang, answer 500, 410, or redirect");
  const run = `out${tag()}`;
  const call = apiOf(sys);
  const receivers: Receiver[] = [];
  const make = async (respond?: NonNullable<Parameters<typeof startReceiver>[0]>["respond"]) => {
    const r = await startReceiver({ respond });
    receivers.push(r);
    return r;
  };
  try {
    const trap = await make();
    const healthy = await make();
    const hang = await make(() => ({ status: 200, delayMs: 600_000 }));
    const fail = await make(() => ({ status: 500, body: "boom" }));
    const gone = await make(() => ({ status: 410, body: "gone" }));
    const redirect = await make(() => ({ status: 302, headers: { location: trap.url("/stolen") } }));
    const ids = {
      healthy: await subscribe(sys, healthy, ["Email.Sent"]),
      hang: await subscribe(sys, hang, ["Email.Sent"]),
      fail: await subscribe(sys, fail, ["Email.Sent"]),
      gone: await subscribe(sys, gone, ["Email.Sent"]),
      redirect: await subscribe(sys, redirect, ["Email.Sent"]),
    };
    const secret = ((await call<{ data: { signature: { key: string } } }>("GET", `/api/v1/webhooks/${ids.healthy}`)).body.data.signature.key);

    for (let i = 0; i < p.events; i++) {
      const res = await call("POST", "/api/v1/emails", { to: `outbound+${run}-${i}@drill.test`, subject: `Drill ${run} ${i}`, text: "Raises an Email.Sent event." });
      // 202: a sending worker (the resume at start, a cron tick) claimed it first; it still goes out once.
      check(result, res.status === 200 || res.status === 202, `sending email ${i} answered ${res.status}`);
    }
    const attempts = async (endpoint: string) =>
      (await sys.db.execute<{ n: number; done: number }>(sql`select count(*)::int as n, count(finished_at)::int as done from webhook_delivery_attempts where endpoint_id = ${endpoint}`)).rows[0];
    // First round: every endpoint tried at least once (the hanging one answered by its timeout).
    await tickUntil(sys, async () => healthy.received.filter((r) => r.body.includes(run)).length >= p.events && (await attempts(ids.hang)).done >= 1 && (await attempts(ids.fail)).done >= 1 && (await attempts(ids.redirect)).done >= 1 && (await attempts(ids.gone)).done >= 1, 90_000);

    // Healthy: every event, in order of creation, signed with the endpoint's secret.
    // (Alert emails to the admins raise Email.Sent too: only this drill's emails are counted.)
    const mine = healthy.received.filter((r) => r.body.includes(run));
    // In order per endpoint: the order of its deliveries (created with their events, as each email was
    // handed to Postmark), which is the order of the emails unless a worker sent one of them later.
    const mineIds = new Set(mine.map((r) => r.headers["webhook-id"]));
    const expected = (await sys.db.execute<{ event_id: string }>(sql`select event_id from webhook_deliveries where endpoint_id = ${ids.healthy} and replay_of_id is null order by id`)).rows
      .map((r) => `msg_${r.event_id.replace(/-/g, "")}`)
      .filter((id) => mineIds.has(id));
    const badSignatures = healthy.received.filter((r) => r.headers["x-signature"] !== createHmac("sha256", secret).update(r.body).digest("base64")).length;
    const missing = p.events - new Set(mine.map((r) => r.headers["webhook-id"])).size;
    check(result, missing === 0, `the healthy receiver missed ${missing} events`);
    check(result, JSON.stringify(mine.map((r) => r.headers["webhook-id"])) === JSON.stringify(expected), "the healthy receiver got the events out of order");
    check(result, badSignatures === 0, `${badSignatures} deliveries carried a wrong x-signature`);

    // Hang: given up at the timeout, recorded as such.
    const [hung] = (await sys.db.execute<{ latency: number; error: string | null }>(sql`select latency_ms as latency, error from webhook_delivery_attempts where endpoint_id = ${ids.hang} order by id limit 1`)).rows;
    check(result, hung && hung.latency >= 14_000 && hung.latency <= 20_000, `the hanging receiver's attempt took ${hung?.latency} ms (timeout 15 s)`);
    result.notes.push(`hanging receiver: given up after ${hung?.latency} ms (${hung?.error})`);

    // Redirect: a failure, not followed.
    const [redirected] = (await sys.db.execute<{ code: number; error: string | null; status: string }>(sql`select a.status_code as code, a.error, d.status::text from webhook_delivery_attempts a join webhook_deliveries d on d.id = a.delivery_id where a.endpoint_id = ${ids.redirect} order by a.id limit 1`)).rows;
    check(result, redirected?.code === 302 && redirected.status === "pending", `the redirect was recorded as ${redirected?.code}/${redirected?.status}, expected a failed attempt (302) to retry`);
    check(result, trap.received.length === 0, `the redirect was followed: the trap got ${trap.received.length} requests`);

    // 410: disabled after one request, nothing more sent.
    await sleep(1_000);
    const endpoint = async (id: string) => (await call<{ data: { status: string } }>("GET", `/api/v1/webhooks/${id}`)).body.data;
    check(result, (await endpoint(ids.gone)).status === "disabled", `the 410 endpoint is ${(await endpoint(ids.gone)).status}, expected disabled`);
    check(result, gone.received.length === 1, `the 410 receiver got ${gone.received.length} requests (expected 1)`);

    // 500: the schedule, attempt by attempt, simulated: note when the next attempt is due, then bring it to now.
    const planned: number[] = [];
    const deadline = Date.now() + 300_000;
    let head: { id: number; attempts: number; status: string; next: Date; last: Date | null } | undefined;
    let inFlight: Promise<unknown> | null = null;
    while (Date.now() < deadline) {
      [head] = (await sys.db.execute<{ id: number; attempts: number; status: string; next: Date; last: Date | null }>(sql`
        select d.id, d.attempts, d.status::text, d.next_attempt_at as next,
          (select max(finished_at) from webhook_delivery_attempts a where a.delivery_id = d.id) as last
        from webhook_deliveries d where d.endpoint_id = ${ids.fail} order by d.id limit 1`)).rows;
      if (!head || head.status !== "pending") break;
      if (head.last && planned.length < head.attempts) {
        planned.push(new Date(head.next).getTime() - new Date(head.last).getTime());
        await sys.db.execute(sql`update webhook_deliveries set next_attempt_at = now() where id = ${head.id}`);
        await sys.db.execute(sql`update webhook_endpoints set ready_at = now() where id = ${ids.fail}`);
      }
      inFlight ??= cron(sys, "deliver-webhooks").finally(() => (inFlight = null));
      await sleep(200);
    }
    const offSchedule = planned.filter((ms, k) => ms < RETRY_DELAYS_MS[k] * 0.8 - 1_000 || ms > RETRY_DELAYS_MS[k] * 1.2 + 1_000).length;
    const total = planned.reduce((a, b) => a + b, 0);
    check(result, head?.status === "failed", `the 500 endpoint's first delivery is ${head?.status} after ${head?.attempts} attempts (expected failed after ${MAX_ATTEMPTS})`);
    check(result, head?.attempts === MAX_ATTEMPTS, `${head?.attempts} attempts (expected ${MAX_ATTEMPTS})`);
    check(result, offSchedule === 0, `${offSchedule} of ${planned.length} retries were off the documented schedule`);
    check(result, (await endpoint(ids.fail)).status === "disabled", `the failing endpoint is ${(await endpoint(ids.fail)).status} after its schedule ran out (expected disabled)`);
    result.notes.push(`500 receiver: ${planned.length} retries planned over ${(total / 3_600_000).toFixed(1)} simulated hours: ${planned.map((ms) => (ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)}h` : ms >= 60_000 ? `${(ms / 60_000).toFixed(1)}m` : `${Math.round(ms / 1000)}s`)).join(", ")}`);
    await tickUntil(sys, async () => alertEmails(sys).filter((m) => m.subject.includes("Webhook endpoint disabled")).length >= 2, 20_000);
    const disabledEmails = alertEmails(sys).filter((m) => m.subject.includes("Webhook endpoint disabled")).length;
    check(result, disabledEmails >= 1, "no admin email about the disabled endpoints");
    result.notes.push(`${disabledEmails} admin email(s) about disabled endpoints (one per disabled endpoint)`);

    const [{ n }] = (await sys.db.execute<{ n: number }>(sql`select count(*)::int as n from webhook_delivery_attempts where endpoint_id = any(array[${ids.healthy}, ${ids.hang}, ${ids.fail}, ${ids.gone}, ${ids.redirect}]::uuid[])`)).rows;
    result.requests = n;
    result.lost = missing;
    result.duplicated = mine.length - new Set(mine.map((r) => r.headers["webhook-id"])).size;
    for (const id of Object.values(ids)) await call("POST", `/api/v1/webhooks/${id}/archive`);
  } finally {
    await Promise.all(receivers.map((r) => r.close()));
  }
  return result;
}
