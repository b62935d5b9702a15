import { and, desc, eq, gte, inArray, lt, lte, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db";
import { webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints, webhookEvents, type WebhookDeliveryStatus } from "@/db/schema";
import { AppError, notFound } from "@/lib/errors";
import { clockOf, type OutboundDeps } from "./deps";
import { getEndpointOrThrow } from "./endpoints";

export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type WebhookAttempt = typeof webhookDeliveryAttempts.$inferSelect;

export interface DeliveryWithAttempts extends WebhookDelivery {
  data: Record<string, unknown>;
  occurredAt: Date;
  attemptLog: WebhookAttempt[];
}

export const deliveryFilterSchema = z.object({
  status: z.enum(["pending", "succeeded", "failed", "cancelled"]).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type DeliveryFilter = z.input<typeof deliveryFilterSchema>;

/** The delivery log of one endpoint, newest first, with every attempt of each delivery. */
export async function listDeliveries(db: DbOrTx, input: { endpointId: string; filter?: DeliveryFilter }): Promise<DeliveryWithAttempts[]> {
  const { endpointId } = input;
  const f = deliveryFilterSchema.parse(input.filter ?? {});
  const rows = await db
    .select({ d: webhookDeliveries, data: webhookEvents.data, occurredAt: webhookEvents.occurredAt })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        f.status ? eq(webhookDeliveries.status, f.status as WebhookDeliveryStatus) : undefined,
        f.from ? gte(webhookDeliveries.createdAt, f.from) : undefined,
        f.to ? lte(webhookDeliveries.createdAt, f.to) : undefined,
        f.before ? lt(webhookDeliveries.id, f.before) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(f.limit);
  const ids = rows.map((r) => r.d.id);
  const attempts = ids.length
    ? await db.select().from(webhookDeliveryAttempts).where(inArray(webhookDeliveryAttempts.deliveryId, ids)).orderBy(webhookDeliveryAttempts.id)
    : [];
  const byDelivery = new Map<number, WebhookAttempt[]>();
  for (const a of attempts) byDelivery.set(a.deliveryId, [...(byDelivery.get(a.deliveryId) ?? []), a]);
  return rows.map((r) => ({ ...r.d, data: r.data, occurredAt: r.occurredAt, attemptLog: byDelivery.get(r.d.id) ?? [] }));
}

export async function getDeliveryOrThrow(db: DbOrTx, { endpointId, deliveryId }: { endpointId: string; deliveryId: number }): Promise<WebhookDelivery> {
  const [row] = Number.isSafeInteger(deliveryId)
    ? await db
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId)))
        .limit(1)
    : [];
  if (!row) throw notFound("Delivery");
  return row;
}

/**
 * Sends one delivery again: a new delivery of the same event (same payload and webhook-id, so a
 * receiver can tell it is the same event) at the end of the endpoint's queue.
 */
export async function replayDelivery(db: Db, input: { endpointId: string; deliveryId: number }, deps: Pick<OutboundDeps, "now">): Promise<DeliveryWithAttempts> {
  const { endpointId } = input;
  const endpoint = await getEndpointOrThrow(db, endpointId);
  if (endpoint.status === "archived") throw new AppError("archived", "This endpoint is archived");
  const original = await getDeliveryOrThrow(db, input);
  if (original.status === "pending") throw new AppError("already_pending", "This delivery is still waiting to be delivered");
  const now = clockOf(deps);
  const [row] = await db
    .insert(webhookDeliveries)
    .values({ endpointId, eventId: original.eventId, event: original.event, replayOfId: original.id, isTest: original.isTest, createdAt: now, nextAttemptAt: now })
    .returning();
  // Answered like a row of the delivery log: the event it carries, and no attempt yet.
  const [event] = await db.select({ data: webhookEvents.data, occurredAt: webhookEvents.occurredAt }).from(webhookEvents).where(eq(webhookEvents.id, row.eventId));
  return { ...row, data: event.data, occurredAt: event.occurredAt, attemptLog: [] };
}

/**
 * "Retry now": a failing delivery waiting for its next attempt becomes due at once (the same delivery,
 * not a copy: its attempts go on counting toward the retry schedule). The endpoint's row is locked while
 * this decides, so a worker cannot claim the delivery in between; the claim re-checks the rate limit,
 * so an endpoint at its limit still waits for its window. Refused (`not_waiting_for_retry`, 409) for a
 * delivery that is not waiting for a retry: delivered, given up (replay it), cancelled, never attempted
 * yet (it goes out in turn), or being attempted right now; `archived` for an archived endpoint, and
 * `invalid_state` while the endpoint is not active (nothing is sent to it until it is verified again).
 * The caller runs the delivery loop afterwards.
 */
export async function retryDeliveryNow(db: Db, input: { endpointId: string; deliveryId: number }, deps: Pick<OutboundDeps, "now">): Promise<DeliveryWithAttempts> {
  const now = clockOf(deps);
  const nowIso = now.toISOString();
  await db.transaction(async (tx) => {
    const [endpoint] = await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, input.endpointId)).for("update");
    if (!endpoint) throw notFound("Webhook endpoint");
    const delivery = await getDeliveryOrThrow(tx, input);
    const refuse = (why: string) => new AppError("not_waiting_for_retry", `Delivery #${delivery.id} ${why}`);
    if (endpoint.status === "archived") throw new AppError("archived", "This endpoint is archived");
    if (delivery.status === "succeeded") throw refuse("was delivered: there is nothing to retry");
    if (delivery.status === "failed") throw refuse("gave up after its last attempt: replay it to send it again");
    if (delivery.status === "cancelled") throw refuse("was cancelled: replay it to send it again");
    if (delivery.attempts === 0) throw refuse("has not been attempted yet: it goes out in its turn");
    const [inFlight] = await tx
      .select({ id: webhookDeliveryAttempts.id })
      .from(webhookDeliveryAttempts)
      .where(and(eq(webhookDeliveryAttempts.deliveryId, delivery.id), eq(webhookDeliveryAttempts.status, "in_flight")))
      .limit(1);
    const leaseHeld = endpoint.leaseAttemptId !== null && endpoint.leaseExpiresAt !== null && endpoint.leaseExpiresAt > now;
    if (inFlight && leaseHeld && endpoint.leaseAttemptId === inFlight.id) throw refuse("is being attempted right now");
    if (endpoint.status !== "active") throw new AppError("invalid_state", `This endpoint is ${endpoint.status.replace("_", " ")}: nothing is sent to it until it is verified again`);
    await tx.execute(sql`update webhook_deliveries set next_attempt_at = ${nowIso}::timestamptz where id = ${delivery.id} and status = 'pending'`);
    // The endpoint waited for this retry's backoff; it may go now (the claim still applies its rate limit).
    await tx.execute(sql`update webhook_endpoints set ready_at = least(ready_at, ${nowIso}::timestamptz) where id = ${endpoint.id}`);
  });
  const [row] = await listDeliveries(db, { endpointId: input.endpointId, filter: { before: input.deliveryId + 1, limit: 1 } });
  return row;
}

export const replayRangeSchema = z
  .strictObject({ from: z.coerce.date({ error: "from must be a date" }), to: z.coerce.date({ error: "to must be a date" }) })
  .refine((v) => v.from <= v.to, { message: "from must not be after to", path: ["to"] });

/**
 * Replays every failed delivery created in [from, to], oldest first, skipping those whose replay is
 * already waiting (so pressing the button twice does not send everything twice). Returns the new
 * deliveries, in queue order.
 */
export async function replayFailedDeliveries(
  db: Db,
  input: { endpointId: string; from: Date; to: Date },
  deps: Pick<OutboundDeps, "now">,
): Promise<WebhookDelivery[]> {
  const { endpointId, ...range } = input;
  const endpoint = await getEndpointOrThrow(db, endpointId);
  if (endpoint.status === "archived") throw new AppError("archived", "This endpoint is archived");
  const now = clockOf(deps).toISOString();
  const { rows } = await db.execute<{ id: string }>(sql`
    insert into webhook_deliveries (endpoint_id, event_id, event, replay_of_id, is_test, created_at, next_attempt_at)
    select d.endpoint_id, d.event_id, d.event, d.id, d.is_test, ${now}::timestamptz, ${now}::timestamptz
    from webhook_deliveries d
    where d.endpoint_id = ${endpointId}::uuid and d.status = 'failed'
      and d.created_at >= ${range.from.toISOString()}::timestamptz and d.created_at <= ${range.to.toISOString()}::timestamptz
      and not exists (select 1 from webhook_deliveries r where r.replay_of_id = d.id and r.status = 'pending')
    order by d.id
    returning id::text`);
  if (rows.length === 0) return [];
  return db
    .select()
    .from(webhookDeliveries)
    .where(inArray(webhookDeliveries.id, rows.map((r) => Number(r.id))))
    .orderBy(webhookDeliveries.id);
}
