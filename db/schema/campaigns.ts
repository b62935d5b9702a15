import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { lists, tags } from "./contacts";
import { segments } from "./segments";
import { users } from "./users";

export const campaignStatusEnum = pgEnum("campaign_status", [
  "draft",
  "scheduled",
  "sending",
  "paused",
  "sent",
  "cancelled",
]);
export type CampaignStatus = (typeof campaignStatusEnum.enumValues)[number];

/** What the sender check found for a From domain (lib/sender-checks/check-sender.ts), as stored on the campaign. */
export interface SenderCheck {
  domain: string;
  checkedAt: string;
  /** DKIM and Return-Path in Postmark: not_checked without POSTMARK_ACCOUNT_TOKEN; unknown when Postmark could not be asked. */
  dkim: "verified" | "unverified" | "not_found" | "unknown" | "not_checked";
  returnPath: "verified" | "unverified" | "not_found" | "unknown" | "not_checked";
  /** The `_dmarc.<domain>` TXT record (or the parent domain's); unknown when DNS did not answer. */
  dmarc: "present" | "missing" | "unknown";
  dmarcRecord: string | null;
  /** What to fix, one sentence each; empty when the domain is ready for bulk mail. */
  problems: string[];
}

export const campaigns = pgTable(
  "campaigns",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    fromEmail: text().notNull(),
    subject: text().notNull(),
    html: text().notNull(),
    text: text(),
    status: campaignStatusEnum().notNull().default("draft"),
    scheduledAt: timestamp({ withTimezone: true }),
    // The IANA zone the schedule was chosen in (the dashboard's form), to show it back as it was asked
    // for ("09:00 Europe/Berlin"); null when scheduled as an instant (the API).
    scheduleTimeZone: text(),
    startedAt: timestamp({ withTimezone: true }),
    pausedAt: timestamp({ withTimezone: true }),
    cancelledAt: timestamp({ withTimezone: true }),
    // Why sending stopped on its own (e.g. Postmark refused the token), shown on the campaign page.
    lastError: text(),
    // Whether campaign mail carries the hidden honeypot link (lib/engagement/honeypot.ts): a click on
    // it can only be a machine, which marks that message's nearby clicks as a link scanner's.
    honeypot: boolean().notNull().default(true),
    completedAt: timestamp({ withTimezone: true }),
    // The sender check before sending (lib/sender-checks): the From domain's DKIM and Return-Path in
    // Postmark and its DMARC record, as last checked; and an admin's override of a refusal, recorded.
    senderCheck: jsonb().$type<SenderCheck>(),
    senderOverrideBy: text(),
    senderOverrideAt: timestamp({ withTimezone: true }),
    createdById: uuid().references(() => users.id, { onDelete: "set null" }),
    // Sending totals, moved by the dispatcher once per batch. What recipients do afterwards (delivered,
    // opened, …) is counted in campaign_event_counters: one row per shard, so concurrent webhooks for
    // one campaign do not queue on a single row lock.
    recipientCount: integer().notNull().default(0),
    sentCount: integer().notNull().default(0),
    failedCount: integer().notNull().default(0),
    suppressedCount: integer().notNull().default(0),
    // The circuit breakers' window starts here (lib/deliverability/breakers.ts): the delivered,
    // complaint and hard-bounce totals when an admin last resumed the campaign after a breaker
    // paused it; zero until then. Rates are judged on what happened since.
    breakerBaseDelivered: integer().notNull().default(0),
    breakerBaseComplaints: integer().notNull().default(0),
    breakerBaseHardBounces: integer().notNull().default(0),
    // True from "send now" until every chunk of its audience is frozen into message rows
    // (lib/campaigns/freeze.ts); the counts above are final only once it is false, and a campaign
    // still freezing is never closed as sent.
    freezing: boolean().notNull().default(false),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("campaigns_status_idx").on(t.status)],
);

/**
 * The freeze of a campaign's audience in chunks of contact ids (lib/campaigns/freeze.ts): one row per
 * chunk, written when sending starts, done (with its counts) in the same transaction that wrote the
 * chunk's message rows. A chunk not done after a crash is frozen again by whoever resumes.
 */
export const campaignFreezeChunks = pgTable(
  "campaign_freeze_chunks",
  {
    campaignId: uuid()
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    chunk: smallint().notNull(),
    done: boolean().notNull().default(false),
    recipients: integer().notNull().default(0),
    suppressed: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.chunk] })],
);

// The audience (lib/campaigns/audience.ts): the union of the included lists, tags and segments, minus
// the excluded ones (`exclude`); no included row at all means every contact. A target is deleted only
// through its own delete, which refuses while a draft or scheduled campaign uses it (`restrict` here is
// the database's guard behind that check).
export const campaignLists = pgTable(
  "campaign_lists",
  {
    campaignId: uuid()
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    listId: uuid()
      .notNull()
      .references(() => lists.id, { onDelete: "restrict" }),
    exclude: boolean().notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.listId] })],
);

export const campaignTags = pgTable(
  "campaign_tags",
  {
    campaignId: uuid()
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    tagId: uuid()
      .notNull()
      .references(() => tags.id, { onDelete: "restrict" }),
    exclude: boolean().notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.tagId] }), index("campaign_tags_tag_idx").on(t.tagId)],
);

export const campaignSegments = pgTable(
  "campaign_segments",
  {
    campaignId: uuid()
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    segmentId: uuid()
      .notNull()
      .references(() => segments.id, { onDelete: "restrict" }),
    exclude: boolean().notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.segmentId] }), index("campaign_segments_segment_idx").on(t.segmentId)],
);

export const CAMPAIGN_COUNTER_SHARDS = 16;

/**
 * Campaign totals of recipient outcomes, kept incrementally by ingestion (never recounted from
 * message_events). A writer adds to the shard of its connection (postline_add_outcome_counts), and a
 * campaign's total is the sum of at most CAMPAIGN_COUNTER_SHARDS rows.
 */
export const campaignEventCounters = pgTable(
  "campaign_event_counters",
  {
    campaignId: uuid()
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    shard: smallint().notNull(),
    delivered: integer().notNull().default(0),
    opened: integer().notNull().default(0),
    clicked: integer().notNull().default(0),
    bounced: integer().notNull().default(0),
    // Of the bounced, those whose bounce was hard (Postmark deactivated the address): what the
    // hard-bounce breaker judges (a soft bounce says nothing about the list's quality).
    hardBounced: integer().notNull().default(0),
    spamComplaints: integer().notNull().default(0),
    unsubscribed: integer().notNull().default(0),
    // Recipients a person opened or clicked for (issue 15: lib/engagement), and recipients with at
    // least one open or click of each machine-or-uncertain class (a recipient can count in several).
    openedHuman: integer().notNull().default(0),
    clickedHuman: integer().notNull().default(0),
    // Opened, but only ever by machines (moves down when a person's open or click arrives).
    openedMachineOnly: integer().notNull().default(0),
    openedAppleMpp: integer().notNull().default(0),
    openedImageProxy: integer().notNull().default(0),
    openedLinkScanner: integer().notNull().default(0),
    openedUnknown: integer().notNull().default(0),
    clickedLinkScanner: integer().notNull().default(0),
    clickedUnknown: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.shard] })],
);

/** Opens and clicks per campaign and hour, kept incrementally by ingestion for the campaign's chart. */
export const campaignHourlyActivity = pgTable(
  "campaign_hourly_activity",
  {
    campaignId: uuid()
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    hour: timestamp({ withTimezone: true }).notNull(),
    opens: integer().notNull().default(0),
    clicks: integer().notNull().default(0),
    // Of those, the opens and clicks classified human (image-proxy opens count: a person opened).
    humanOpens: integer().notNull().default(0),
    humanClicks: integer().notNull().default(0),
    // Like campaign_event_counters: each writer adds to the row of its connection's shard
    // (pg_backend_pid() mod 16), so concurrent batches of a campaign do not wait for each other's
    // commit on the hour's one row; an hour's figures are the sum of its shards (migration 0036).
    shard: smallint().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.hour, t.shard] })],
);

/** Clicks per link of a campaign: total clicks and distinct recipients who clicked it. */
export const campaignLinkClicks = pgTable(
  "campaign_link_clicks",
  {
    campaignId: uuid()
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    link: text().notNull(),
    clicks: integer().notNull().default(0),
    uniqueClicks: integer().notNull().default(0),
    // Clicks classified human (Postmark posts one click per recipient and link, so these are people).
    humanClicks: integer().notNull().default(0),
    // Sharded by the writer's connection, as campaign_hourly_activity; a link's figures are the sum.
    shard: smallint().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.link, t.shard] })],
);

/** A campaign's content saved under a name, to start new campaigns from (lib/campaigns/templates.ts). */
export const campaignTemplates = pgTable(
  "campaign_templates",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    subject: text().notNull(),
    html: text().notNull(),
    text: text(),
    createdById: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("campaign_templates_name_lower_key").on(sql`lower(${t.name})`)],
);
