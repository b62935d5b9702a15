import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { apiKeys, users } from "./users";

// Postline's own outbound webhooks: endpoints users register, an outbox of deliveries written in the
// transaction of the event that causes them, and a log of every attempt.

export const webhookEndpointStatusEnum = pgEnum("webhook_endpoint_status", ["pending_verification", "active", "disabled", "archived"]);
export type WebhookEndpointStatus = (typeof webhookEndpointStatusEnum.enumValues)[number];

export const webhookRatePeriodEnum = pgEnum("webhook_rate_period", ["second", "minute", "hour", "day"]);
export type WebhookRatePeriod = (typeof webhookRatePeriodEnum.enumValues)[number];

export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid().primaryKey().defaultRandom(),
    url: text().notNull(),
    description: text().notNull().default(""),
    events: text().array().notNull(),
    status: webhookEndpointStatusEnum().notNull().default("pending_verification"),
    rateLimit: integer().notNull(),
    rateLimitPeriod: webhookRatePeriodEnum().notNull(),
    secret: text().notNull(),
    // After a rotation the old secret keeps signing beside the new one until this time.
    previousSecret: text(),
    previousSecretExpiresAt: timestamp({ withTimezone: true }),
    secretRotatedAt: timestamp({ withTimezone: true }),
    verificationToken: text().notNull(),
    verifiedAt: timestamp({ withTimezone: true }),
    lastVerificationAt: timestamp({ withTimezone: true }),
    lastVerificationError: text(),
    disabledAt: timestamp({ withTimezone: true }),
    disabledReason: text(),
    archivedAt: timestamp({ withTimezone: true }),
    consecutiveFailures: integer().notNull().default(0),
    failingSince: timestamp({ withTimezone: true }),
    // Delivery coordination, shared by every app instance: the endpoint is not claimed before
    // ready_at (rate limit window or retry backoff), and while a lease is held (one request in flight).
    readyAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    leaseAttemptId: bigint({ mode: "number" }),
    leaseExpiresAt: timestamp({ withTimezone: true }),
    createdById: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhook_endpoints_status_ready_idx").on(t.status, t.readyAt)],
);

/** One occurrence of a Postline event, stored once however many endpoints receive it. */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: uuid().primaryKey().defaultRandom(),
    event: text().notNull(),
    data: jsonb().$type<Record<string, unknown>>().notNull(),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhook_events_created_idx").on(t.createdAt)],
);

export const webhookDeliveryStatusEnum = pgEnum("webhook_delivery_status", ["pending", "succeeded", "failed", "cancelled"]);
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatusEnum.enumValues)[number];

/**
 * The outbox: one row per event and endpoint. Per endpoint, deliveries go out in id order (the
 * order they were created); the head of the queue blocks the rest while it is retried.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    endpointId: uuid()
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventId: uuid()
      .notNull()
      .references(() => webhookEvents.id, { onDelete: "cascade" }),
    event: text().notNull(),
    status: webhookDeliveryStatusEnum().notNull().default("pending"),
    isTest: boolean().notNull().default(false),
    replayOfId: bigint({ mode: "number" }),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    firstAttemptAt: timestamp({ withTimezone: true }),
    lastAttemptAt: timestamp({ withTimezone: true }),
    lastStatusCode: integer(),
    lastError: text(),
    completedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The head of each endpoint's queue.
    index("webhook_deliveries_pending_idx").on(t.endpointId, t.id).where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_endpoint_created_idx").on(t.endpointId, t.createdAt, t.id),
    index("webhook_deliveries_replay_of_idx").on(t.replayOfId).where(sql`${t.replayOfId} is not null`),
  ],
);

export const webhookAttemptStatusEnum = pgEnum("webhook_attempt_status", ["in_flight", "succeeded", "failed", "refused", "lost"]);

/** Every request made to an endpoint; also the sliding window its rate limit is counted in. */
export const webhookDeliveryAttempts = pgTable(
  "webhook_delivery_attempts",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    deliveryId: bigint({ mode: "number" })
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    endpointId: uuid()
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    status: webhookAttemptStatusEnum().notNull().default("in_flight"),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    finishedAt: timestamp({ withTimezone: true }),
    latencyMs: integer(),
    statusCode: integer(),
    error: text(),
    responseExcerpt: text(),
    // The address actually connected to, after the refusal list was checked.
    remoteAddress: text(),
  },
  (t) => [
    index("webhook_attempts_endpoint_started_idx").on(t.endpointId, t.startedAt),
    index("webhook_attempts_delivery_idx").on(t.deliveryId, t.id),
  ],
);

/** Who saw an endpoint's secret, when and how: every reveal is recorded. */
export const webhookSecretReveals = pgTable(
  "webhook_secret_reveals",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    endpointId: uuid()
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    via: text().notNull(),
    reason: text().notNull(),
    userId: uuid().references(() => users.id, { onDelete: "set null" }),
    apiKeyId: uuid().references(() => apiKeys.id, { onDelete: "set null" }),
    revealedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhook_secret_reveals_endpoint_idx").on(t.endpointId, t.revealedAt)],
);
