import { and, isNotNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { webhookDeliveries, webhookEndpoints, webhookEvents } from "@/db/schema";
import { AppError, type ErrorCode } from "@/lib/errors";
import { clockOf, type OutboundDeps } from "./deps";
import { attemptLeaseMs, recordAttempt } from "./delivery-loop";
import { getEndpointOrThrow, type WebhookEndpoint } from "./endpoints";
import { buildPayload, RATE_PERIOD_MS, sampleEventData, type WebhookEventType } from "./events";
import { requestWebhook } from "./http";
import { activeSecrets, messageIdFor, signRequest } from "./signing";

export interface TestSendResult {
  endpointId: string;
  deliveryId: number;
  url: string;
  ok: boolean;
  request: { method: "POST"; headers: Record<string, string>; body: string };
  /** What each signature covers: the raw body, and Standard Webhooks' "id.timestamp.body". */
  signedContent: { xSignature: string; standardWebhooks: string };
  signatures: { xSignature: string; webhookSignature: string };
  response: { status: number; headers: Record<string, string>; body: string } | null;
  error: string | null;
  latencyMs: number;
}

/**
 * Sends a Webhook.Test (or a sample of any event type) to one endpoint now, outside the queue, and
 * returns everything needed to debug a receiver: the request, what was signed, the signatures, and
 * the answer. It is logged like any delivery and counts toward the endpoint's rate limit.
 */
export async function sendTestEvent(db: Db, input: { endpointId: string; event?: WebhookEventType }, deps: OutboundDeps): Promise<TestSendResult> {
  const endpoint = await getEndpointOrThrow(db, input.endpointId);
  return sendTestTo(db, { endpoint, event: input.event ?? "Webhook.Test" }, deps);
}

/** One endpoint's part of a test to every endpoint: the exchange, or why nothing was sent to it. */
export type TestSendOutcome =
  | { endpointId: string; url: string; sent: true; result: TestSendResult }
  | { endpointId: string; url: string; sent: false; error: { code: ErrorCode; message: string } };

/**
 * The test to every verified, non-archived endpoint. Each endpoint answers for itself: one that is
 * rate limited (or archived meanwhile) is reported beside the others' results, never failing the
 * whole call after they were sent.
 */
export async function sendTestEventToAll(db: Db, input: { event?: WebhookEventType }, deps: OutboundDeps): Promise<TestSendOutcome[]> {
  const endpoints = await db
    .select()
    .from(webhookEndpoints)
    .where(and(isNotNull(webhookEndpoints.verifiedAt), sql`${webhookEndpoints.status} in ('active', 'disabled')`))
    .orderBy(webhookEndpoints.createdAt, webhookEndpoints.id);
  return Promise.all(
    endpoints.map(async (e): Promise<TestSendOutcome> => {
      try {
        return { endpointId: e.id, url: e.url, sent: true, result: await sendTestTo(db, { endpoint: e, event: input.event ?? "Webhook.Test" }, deps) };
      } catch (error) {
        if (error instanceof AppError) return { endpointId: e.id, url: e.url, sent: false, error: { code: error.code, message: error.message } };
        // Database details are logged, never answered.
        (deps.log ?? console.error)(`test send to endpoint ${e.id} failed: ${String(error)}`);
        return { endpointId: e.id, url: e.url, sent: false, error: { code: "internal_error", message: "Something went wrong on our side" } };
      }
    }),
  );
}

async function sendTestTo(db: Db, { endpoint, event }: { endpoint: WebhookEndpoint; event: WebhookEventType }, deps: OutboundDeps): Promise<TestSendResult> {
  if (endpoint.status === "archived") throw new AppError("archived", "This endpoint is archived");
  if (!endpoint.verifiedAt) throw new AppError("not_verified", "Verify ownership of the endpoint before sending to it");
  const now = clockOf(deps);
  const data = sampleEventData(event, now);
  const claim = await db.transaction(async (tx) => {
    // The same window the queue counts in, under the same row lock: a test never breaks the limit.
    await tx.execute(sql`select 1 from webhook_endpoints where id = ${endpoint.id}::uuid for update`);
    const { rows } = await tx.execute<{ n: number }>(sql`
      select count(*)::int as n from webhook_delivery_attempts
      where endpoint_id = ${endpoint.id}::uuid and started_at > ${new Date(now.getTime() - RATE_PERIOD_MS[endpoint.rateLimitPeriod]).toISOString()}::timestamptz`);
    if ((rows[0]?.n ?? 0) >= endpoint.rateLimit) {
      throw new AppError("rate_limited", `The endpoint's rate limit (${endpoint.rateLimit} per ${endpoint.rateLimitPeriod}) is reached; try again shortly`);
    }
    const [ev] = await tx.insert(webhookEvents).values({ event, data, occurredAt: now, createdAt: now }).returning();
    // The delivery is born in flight: pending (so a crash still leaves it to the queue, at least once)
    // but due only when this attempt's lease would expire, so the queue never sends it while this
    // request waits; recordAttempt then closes it (a test is never retried).
    const [delivery] = await tx
      .insert(webhookDeliveries)
      .values({ endpointId: endpoint.id, eventId: ev.id, event, isTest: true, attempts: 1, firstAttemptAt: now, lastAttemptAt: now, createdAt: now, nextAttemptAt: new Date(now.getTime() + attemptLeaseMs(deps)) })
      .returning();
    const attempt = await tx.execute<{ id: string }>(sql`
      insert into webhook_delivery_attempts (delivery_id, endpoint_id, started_at) values (${delivery.id}, ${endpoint.id}::uuid, ${now.toISOString()}::timestamptz)
      returning id::text`);
    return { ev, delivery, attemptId: Number(attempt.rows[0].id) };
  });
  const body = buildPayload({ event, accountId: deps.accountId, occurredAt: now, data });
  const signed = signRequest({ secrets: activeSecrets(endpoint, now), messageId: messageIdFor(claim.ev.id), timestamp: now, body });
  const outcome = await requestWebhook(deps.policy, { method: "POST", url: endpoint.url, headers: signed.headers, body, timeoutMs: deps.timeoutMs });
  const verdict = await recordAttempt(
    db,
    { claim: { attemptId: claim.attemptId, deliveryId: claim.delivery.id, endpointId: endpoint.id, attemptNumber: 1, url: endpoint.url }, outcome, test: true },
    deps,
  );
  const ok = verdict === "succeeded";
  return {
    endpointId: endpoint.id,
    deliveryId: claim.delivery.id,
    url: endpoint.url,
    ok,
    request: { method: "POST", headers: { "content-type": "application/json", ...signed.headers }, body },
    signedContent: signed.signedContent,
    signatures: { xSignature: signed.headers["x-signature"], webhookSignature: signed.headers["webhook-signature"] },
    response: outcome.kind === "response" ? { status: outcome.status, headers: outcome.headers, body: outcome.excerpt } : null,
    error: outcome.kind === "response" ? (ok ? null : `HTTP ${outcome.status}`) : outcome.error,
    latencyMs: outcome.latencyMs,
  };
}
