import { and, desc, eq, ne, sql } from "drizzle-orm";
import { z } from "zod";
import { parseId } from "@/lib/http/id";
import type { Db, DbOrTx } from "@/db";
import { apiKeys, users, webhookDeliveries, webhookEndpoints, webhookSecretReveals, type WebhookRatePeriod } from "@/db/schema";
import { AppError, notFound } from "@/lib/errors";
import { checkCallbackUrl } from "./address-policy";
import { clockOf, type Actor, type OutboundDeps } from "./deps";
import { webhookEventTypeSchema, type WebhookEventType } from "./events";
import { requestWebhook } from "./http";
import { generateVerificationToken, generateWebhookSecret } from "./signing";

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;

export const SECRET_OVERLAP_MS = 24 * 3_600_000;
export const MAX_RATE_LIMIT = 100_000;

const ratePeriodSchema = z.enum(["second", "minute", "hour", "day"], { error: "rate_limit_period must be second, minute, hour or day" });
const rateLimitSchema = z.number({ error: "rate_limit must be a whole number" }).int("rate_limit must be a whole number").min(1, "rate_limit must be at least 1").max(MAX_RATE_LIMIT, `rate_limit must be at most ${MAX_RATE_LIMIT}`);
const eventsSchema = z.array(webhookEventTypeSchema).min(1, "Subscribe to at least one event").max(20);

/** The API's create body: one `event` or several `events`. */
export const createEndpointSchema = z
  .strictObject({
    event: webhookEventTypeSchema.optional(),
    events: eventsSchema.optional(),
    url: z.string({ error: "url is required" }).trim().min(1, "url is required").max(2000, "url is too long"),
    rate_limit: rateLimitSchema.default(10),
    rate_limit_period: ratePeriodSchema.default("second"),
    description: z.string().trim().max(200).default(""),
  })
  .refine((v) => Boolean(v.event) !== Boolean(v.events), { message: "Send either event or events", path: ["events"] });
export type CreateEndpointInput = z.input<typeof createEndpointSchema>;

export const updateEndpointSchema = z
  .strictObject({
    event: webhookEventTypeSchema.optional(),
    events: eventsSchema.optional(),
    url: z.string().trim().min(1).max(2000).optional(),
    rate_limit: rateLimitSchema.optional(),
    rate_limit_period: ratePeriodSchema.optional(),
    description: z.string().trim().max(200).optional(),
  })
  .refine((v) => !(v.event && v.events), { message: "Send either event or events", path: ["events"] });
export type UpdateEndpointInput = z.input<typeof updateEndpointSchema>;

export function verificationFileName(token: string): string {
  return `postline-${token}.txt`;
}

/** Where the verification file must be: beside the callback URL, in the same folder. */
export function verificationFileUrl(callbackUrl: string, token: string): string {
  const u = new URL(verificationFileName(token), callbackUrl);
  u.search = "";
  return u.toString();
}

function uniqueEvents(list: WebhookEventType[]): WebhookEventType[] {
  return [...new Set(list)];
}

/** `settings` is checked here (createEndpointSchema); `actor` is recorded as the creator. */
export async function createEndpoint(db: DbOrTx, input: { settings: CreateEndpointInput; actor?: Actor }, deps: OutboundDeps): Promise<WebhookEndpoint> {
  const { actor } = input;
  const parsed = createEndpointSchema.parse(input.settings);
  const url = await checkCallbackUrl(deps.policy, parsed.url);
  const now = clockOf(deps);
  const [row] = await db
    .insert(webhookEndpoints)
    .values({
      url,
      description: parsed.description,
      events: uniqueEvents(parsed.events ?? [parsed.event!]),
      rateLimit: parsed.rate_limit,
      rateLimitPeriod: parsed.rate_limit_period,
      secret: generateWebhookSecret(),
      verificationToken: generateVerificationToken(),
      createdById: actor?.userId ?? null,
      createdAt: now,
      updatedAt: now,
      readyAt: now,
    })
    .returning();
  return row;
}

export async function getEndpoint(db: DbOrTx, id: string): Promise<WebhookEndpoint | null> {
  if (!parseId(id)) return null;
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).limit(1);
  return row ?? null;
}

export async function getEndpointOrThrow(db: DbOrTx, id: string): Promise<WebhookEndpoint> {
  const row = await getEndpoint(db, id);
  if (!row) throw notFound("Webhook endpoint");
  return row;
}

export interface EndpointSummary extends WebhookEndpoint {
  pending: number;
  failed: number;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
}

/** Which endpoints a list shows: those not archived (the default), only the archived ones, or all. */
export type EndpointListFilter = "active" | "archived" | "all";

export async function listEndpoints(db: DbOrTx, options: { show?: EndpointListFilter } = {}): Promise<EndpointSummary[]> {
  const show = options.show ?? "active";
  const rows = await db
    .select({
      endpoint: webhookEndpoints,
      pending: sql<number>`(select count(*)::int from webhook_deliveries d where d.endpoint_id = webhook_endpoints.id and d.status = 'pending')`,
      failed: sql<number>`(select count(*)::int from webhook_deliveries d where d.endpoint_id = webhook_endpoints.id and d.status = 'failed')`,
      lastAttemptAt: sql<string | null>`(select max(a.started_at) from webhook_delivery_attempts a where a.endpoint_id = webhook_endpoints.id)`,
      lastStatusCode: sql<number | null>`(select a.status_code from webhook_delivery_attempts a where a.endpoint_id = webhook_endpoints.id order by a.started_at desc limit 1)`,
    })
    .from(webhookEndpoints)
    .where(show === "all" ? undefined : show === "archived" ? eq(webhookEndpoints.status, "archived") : ne(webhookEndpoints.status, "archived"))
    .orderBy(desc(webhookEndpoints.createdAt));
  return rows.map((r) => ({ ...r.endpoint, pending: r.pending, failed: r.failed, lastAttemptAt: r.lastAttemptAt ? new Date(r.lastAttemptAt) : null, lastStatusCode: r.lastStatusCode }));
}

function assertNotArchived(endpoint: WebhookEndpoint) {
  if (endpoint.status === "archived") throw new AppError("archived", "This endpoint is archived");
}

/** Changes url, events, rate limit or description. A new url must be verified again. */
export async function updateEndpoint(db: Db, input: { id: string; settings: UpdateEndpointInput }, deps: OutboundDeps): Promise<WebhookEndpoint> {
  const { id } = input;
  const parsed = updateEndpointSchema.parse(input.settings);
  const endpoint = await getEndpointOrThrow(db, id);
  assertNotArchived(endpoint);
  const now = clockOf(deps);
  const set: Partial<typeof webhookEndpoints.$inferInsert> = { updatedAt: now };
  if (parsed.url !== undefined) {
    const url = await checkCallbackUrl(deps.policy, parsed.url);
    if (url !== endpoint.url) {
      set.url = url;
      // Ownership of one URL proves nothing about another.
      set.status = "pending_verification";
      set.verificationToken = generateVerificationToken();
      set.verifiedAt = null;
      set.lastVerificationError = null;
    }
  }
  if (parsed.events || parsed.event) set.events = uniqueEvents(parsed.events ?? [parsed.event!]);
  if (parsed.rate_limit !== undefined) set.rateLimit = parsed.rate_limit;
  if (parsed.rate_limit_period !== undefined) set.rateLimitPeriod = parsed.rate_limit_period as WebhookRatePeriod;
  if (parsed.description !== undefined) set.description = parsed.description;
  const [row] = await db
    .update(webhookEndpoints)
    .set(set)
    .where(and(eq(webhookEndpoints.id, id), ne(webhookEndpoints.status, "archived")))
    .returning();
  if (!row) throw new AppError("archived", "This endpoint is archived");
  return row;
}

/** Archives an endpoint: nothing more is sent to it, and what was waiting is cancelled. */
export async function archiveEndpoint(db: Db, id: string, deps: Pick<OutboundDeps, "now">): Promise<WebhookEndpoint> {
  const now = clockOf(deps);
  return db.transaction(async (tx) => {
    const endpoint = await getEndpointOrThrow(tx, id);
    if (endpoint.status === "archived") return endpoint;
    const [row] = await tx
      .update(webhookEndpoints)
      .set({ status: "archived", archivedAt: now, updatedAt: now })
      .where(eq(webhookEndpoints.id, id))
      .returning();
    await tx
      .update(webhookDeliveries)
      .set({ status: "cancelled", completedAt: now, lastError: "Endpoint archived" })
      .where(and(eq(webhookDeliveries.endpointId, id), eq(webhookDeliveries.status, "pending")));
    return row;
  });
}

async function recordReveal(db: DbOrTx, { endpointId, actor, reason }: { endpointId: string; actor: Actor; reason: string }, now: Date) {
  await db.insert(webhookSecretReveals).values({ endpointId, via: actor.via, reason, userId: actor.userId ?? null, apiKeyId: actor.apiKeyId ?? null, revealedAt: now });
}

export interface RevealedSecret {
  key: string;
  previousKey: string | null;
  previousKeyExpiresAt: Date | null;
}

/** Returns the signing secret and records who saw it. */
export async function revealSecret(db: Db, input: { id: string; actor: Actor; reason?: string }, deps: Pick<OutboundDeps, "now">): Promise<RevealedSecret> {
  const { id, actor, reason = "reveal" } = input;
  const now = clockOf(deps);
  return db.transaction(async (tx) => {
    const endpoint = await getEndpointOrThrow(tx, id);
    await recordReveal(tx, { endpointId: id, actor, reason }, now);
    const overlap = endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now;
    return { key: endpoint.secret, previousKey: overlap ? endpoint.previousSecret : null, previousKeyExpiresAt: overlap ? endpoint.previousSecretExpiresAt : null };
  });
}

/**
 * A new secret signs from now on; the old one keeps signing beside it for 24 hours, so receivers can
 * switch without dropping a request. The new secret is returned (and that reveal recorded).
 */
export async function rotateSecret(db: Db, input: { id: string; actor: Actor }, deps: Pick<OutboundDeps, "now">): Promise<RevealedSecret & { endpoint: WebhookEndpoint }> {
  const { id, actor } = input;
  const now = clockOf(deps);
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).for("update").limit(1);
    if (!current) throw notFound("Webhook endpoint");
    assertNotArchived(current);
    const expires = new Date(now.getTime() + SECRET_OVERLAP_MS);
    const [row] = await tx
      .update(webhookEndpoints)
      .set({ secret: generateWebhookSecret(), previousSecret: current.secret, previousSecretExpiresAt: expires, secretRotatedAt: now, updatedAt: now })
      .where(eq(webhookEndpoints.id, id))
      .returning();
    await recordReveal(tx, { endpointId: id, actor, reason: "rotate" }, now);
    return { endpoint: row, key: row.secret, previousKey: current.secret, previousKeyExpiresAt: expires };
  });
}

export async function listSecretReveals(db: DbOrTx, { endpointId, limit = 20 }: { endpointId: string; limit?: number }) {
  return db
    .select({ id: webhookSecretReveals.id, via: webhookSecretReveals.via, reason: webhookSecretReveals.reason, revealedAt: webhookSecretReveals.revealedAt, userEmail: users.email, apiKeyName: apiKeys.name })
    .from(webhookSecretReveals)
    .leftJoin(users, eq(users.id, webhookSecretReveals.userId))
    .leftJoin(apiKeys, eq(apiKeys.id, webhookSecretReveals.apiKeyId))
    .where(eq(webhookSecretReveals.endpointId, endpointId))
    .orderBy(desc(webhookSecretReveals.revealedAt), desc(webhookSecretReveals.id))
    .limit(limit);
}

export interface VerificationResult {
  ok: boolean;
  fileUrl: string;
  fileName: string;
  message: string;
  endpoint: WebhookEndpoint;
}

/**
 * Fetches `postline-<token>.txt` from the callback URL's folder (the same refusal list and no
 * redirects) and, when it holds the token, marks the endpoint active. A disabled endpoint is
 * re-enabled this way too: the check proves the receiver is back and still ours.
 */
export async function verifyEndpoint(db: Db, id: string, deps: OutboundDeps): Promise<VerificationResult> {
  const endpoint = await getEndpointOrThrow(db, id);
  assertNotArchived(endpoint);
  const fileUrl = verificationFileUrl(endpoint.url, endpoint.verificationToken);
  const fileName = verificationFileName(endpoint.verificationToken);
  const outcome = await requestWebhook(deps.policy, { method: "GET", url: fileUrl, timeoutMs: deps.timeoutMs, maxBytes: 4096 });
  const now = clockOf(deps);
  let problem: string | null = null;
  if (outcome.kind !== "response") problem = outcome.error;
  else if (outcome.status !== 200) problem = `${fileUrl} answered HTTP ${outcome.status}${outcome.status >= 300 && outcome.status < 400 ? " (redirects are not followed)" : ""}`;
  else if (outcome.excerpt.trim() !== endpoint.verificationToken) problem = `${fileUrl} does not contain the verification token`;
  // Both writes only apply to the URL and token that were checked: if the URL changed while the file
  // was fetched, this check proves nothing about the endpoint as it is now.
  const checked = and(eq(webhookEndpoints.id, id), ne(webhookEndpoints.status, "archived"), eq(webhookEndpoints.url, endpoint.url), eq(webhookEndpoints.verificationToken, endpoint.verificationToken));
  if (problem) {
    const [row] = await db
      .update(webhookEndpoints)
      .set({ lastVerificationAt: now, lastVerificationError: problem, updatedAt: now })
      .where(checked)
      .returning();
    if (!row) throw await verificationConflict(db, id);
    return { ok: false, fileUrl, fileName, message: problem, endpoint: row };
  }
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      status: sql`case when ${webhookEndpoints.status} in ('pending_verification', 'disabled') then 'active'::webhook_endpoint_status else ${webhookEndpoints.status} end`,
      verifiedAt: now,
      lastVerificationAt: now,
      lastVerificationError: null,
      disabledAt: null,
      disabledReason: null,
      consecutiveFailures: 0,
      failingSince: null,
      readyAt: now,
      updatedAt: now,
    })
    .where(checked)
    .returning();
  if (!row) throw await verificationConflict(db, id);
  return { ok: true, fileUrl, fileName, message: "Ownership verified: events will be delivered to this endpoint.", endpoint: row };
}

/** Why a verification's write matched nothing: the endpoint was archived, or its URL changed meanwhile. */
async function verificationConflict(db: Db, id: string): Promise<AppError> {
  const now = await getEndpointOrThrow(db, id);
  if (now.status === "archived") return new AppError("archived", "This endpoint is archived");
  return new AppError(
    "verification_conflict",
    "The endpoint's URL changed while its verification file was being fetched; publish the file for the new URL and verify again",
  );
}
