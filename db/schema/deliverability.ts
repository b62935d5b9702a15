import { sql } from "drizzle-orm";
import { bigserial, boolean, check, doublePrecision, index, integer, pgEnum, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { campaigns } from "./campaigns";
import { sequences } from "./sequences";
import { users } from "./users";

/**
 * A sequence's recipient outcomes that the circuit breakers judge, kept by ingestion like
 * campaign_event_counters (sharded the same way: a writer adds to the shard of its connection), so a
 * check reads at most 16 rows instead of counting messages.
 */
export const sequenceOutcomeCounters = pgTable(
  "sequence_outcome_counters",
  {
    sequenceId: uuid()
      .notNull()
      .references(() => sequences.id, { onDelete: "cascade" }),
    shard: smallint().notNull(),
    delivered: integer().notNull().default(0),
    hardBounced: integer().notNull().default(0),
    spamComplaints: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.sequenceId, t.shard] })],
);

export const breakerReasonEnum = pgEnum("breaker_reason", ["complaint_rate", "hard_bounce_rate"]);
export type BreakerReason = (typeof breakerReasonEnum.enumValues)[number];

export const breakerLevelEnum = pgEnum("breaker_level", ["alert", "pause"]);
export type BreakerLevel = (typeof breakerLevelEnum.enumValues)[number];

/**
 * A circuit breaker that tripped on a campaign or a sequence (lib/deliverability/breakers.ts): what
 * was seen (delivered, complaints, hard bounces in the window, the rate and the threshold it crossed)
 * and what was done (`paused`: false when there was nothing left to pause, e.g. a campaign whose send
 * had finished). At most one open trip per owner, reason and level: that is what makes the alert go
 * out once, not on every batch. An admin's resume closes the owner's open trips.
 */
export const breakerTrips = pgTable(
  "breaker_trips",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    campaignId: uuid().references(() => campaigns.id, { onDelete: "cascade" }),
    sequenceId: uuid().references(() => sequences.id, { onDelete: "cascade" }),
    reason: breakerReasonEnum().notNull(),
    level: breakerLevelEnum().notNull(),
    paused: boolean().notNull().default(false),
    delivered: integer().notNull(),
    complaints: integer().notNull(),
    hardBounces: integer().notNull(),
    rate: doublePrecision().notNull(),
    threshold: doublePrecision().notNull(),
    trippedAt: timestamp({ withTimezone: true }).notNull(),
    resumedAt: timestamp({ withTimezone: true }),
    resumedById: uuid().references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    check("breaker_trips_one_owner", sql`(${t.campaignId} is null) <> (${t.sequenceId} is null)`),
    uniqueIndex("breaker_trips_open_campaign_key").on(t.campaignId, t.reason, t.level).where(sql`${t.resumedAt} is null and ${t.campaignId} is not null`),
    uniqueIndex("breaker_trips_open_sequence_key").on(t.sequenceId, t.reason, t.level).where(sql`${t.resumedAt} is null and ${t.sequenceId} is not null`),
    index("breaker_trips_tripped_idx").on(t.trippedAt),
  ],
);
