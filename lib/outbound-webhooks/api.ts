import type { DeliveryWithAttempts, WebhookAttempt, WebhookDelivery } from "./delivery-log";
import type { WebhookEndpoint } from "./endpoints";
import { verificationFileName, verificationFileUrl } from "./endpoints";
import type { TestSendOutcome, TestSendResult } from "./test-send";

/** The public JSON shapes of /api/v1/webhooks (snake_case, ISO times). Secrets only where asked for. */

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function toApiEndpoint(e: WebhookEndpoint) {
  return {
    id: e.id,
    status: e.status,
    ...(e.events.length === 1 ? { event: e.events[0] } : {}),
    events: e.events,
    url: e.url,
    description: e.description,
    rate_limit: e.rateLimit,
    rate_limit_period: e.rateLimitPeriod,
    archived_at: iso(e.archivedAt),
    verified_at: iso(e.verifiedAt),
    disabled_at: iso(e.disabledAt),
    disabled_reason: e.disabledReason,
    secret_rotated_at: iso(e.secretRotatedAt),
    created_at: iso(e.createdAt),
    ...(e.status === "pending_verification" ? { verification: toApiVerification(e) } : {}),
  };
}

export function toApiVerification(e: WebhookEndpoint) {
  return { file_name: verificationFileName(e.verificationToken), token: e.verificationToken, file_url: verificationFileUrl(e.url, e.verificationToken), last_error: e.lastVerificationError };
}

export function toApiSignature(s: { key: string; previousKey: string | null; previousKeyExpiresAt: Date | null }) {
  return {
    key: s.key,
    hash_function: "sha256" as const,
    ...(s.previousKey ? { previous_key: s.previousKey, previous_key_expires_at: iso(s.previousKeyExpiresAt) } : {}),
  };
}

function toApiAttempt(a: WebhookAttempt) {
  return {
    id: a.id,
    status: a.status,
    started_at: iso(a.startedAt),
    latency_ms: a.latencyMs,
    status_code: a.statusCode,
    error: a.error,
    response_excerpt: a.responseExcerpt,
  };
}

export function toApiDelivery(d: DeliveryWithAttempts) {
  return {
    id: d.id,
    event: d.event,
    event_id: d.eventId,
    status: d.status,
    test: d.isTest,
    replay_of: d.replayOfId,
    attempts: d.attempts,
    next_attempt_at: d.status === "pending" ? iso(d.nextAttemptAt) : null,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    created_at: iso(d.createdAt),
    completed_at: iso(d.completedAt),
    data: d.data,
    attempt_log: d.attemptLog.map(toApiAttempt),
  };
}

/** The answer of a range replay: how many were queued, and which (the new deliveries, in queue order). */
export function toApiReplayed(queued: WebhookDelivery[]) {
  return {
    replayed: queued.length,
    deliveries: queued.map((d) => ({ id: d.id, replay_of: d.replayOfId, status: d.status, next_attempt_at: d.status === "pending" ? iso(d.nextAttemptAt) : null })),
  };
}

export function toApiTestResult(r: TestSendResult) {
  return {
    endpoint_id: r.endpointId,
    delivery_id: r.deliveryId,
    url: r.url,
    ok: r.ok,
    request: r.request,
    signed_content: { x_signature: r.signedContent.xSignature, standard_webhooks: r.signedContent.standardWebhooks },
    signatures: { x_signature: r.signatures.xSignature, webhook_signature: r.signatures.webhookSignature },
    response: r.response,
    error: r.error,
    latency_ms: r.latencyMs,
  };
}

/**
 * One endpoint's entry in the answer of `POST /api/v1/webhooks/test`: `sent: true` with the exchange
 * (as the one-endpoint test answers it), or `sent: false` with the API's error shape for that endpoint.
 */
export function toApiTestOutcome(o: TestSendOutcome) {
  return o.sent ? { sent: true as const, ...toApiTestResult(o.result) } : { endpoint_id: o.endpointId, url: o.url, sent: false as const, ok: false as const, error: o.error };
}
