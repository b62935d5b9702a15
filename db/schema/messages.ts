import { sql, type SQLWrapper } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { campaigns } from "./campaigns";
import { contacts } from "./contacts";
import { sequenceEmails, sequenceEnrollments, sequences } from "./sequences";

export const sendBatchStatusEnum = pgEnum("send_batch_status", ["in_flight", "done", "uncertain", "released"]);

/**
 * One call to Postmark (a batch of up to 500, or one single email). Its id travels in every message's
 * Metadata, so a batch whose outcome we never learned (crash, timeout, 5xx) is looked up in Postmark's
 * outbound search before anything in it is sent again.
 */
export const sendBatches = pgTable(
  "send_batches",
  {
    id: uuid().primaryKey().defaultRandom(),
    campaignId: uuid().references(() => campaigns.id, { onDelete: "cascade" }),
    status: sendBatchStatusEnum().notNull().default("in_flight"),
    messageCount: integer().notNull(),
    claimedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    // An in-flight batch older than this is presumed dead and checked against Postmark.
    checkAfter: timestamp({ withTimezone: true }).notNull(),
    completedAt: timestamp({ withTimezone: true }),
    error: text(),
    // The messages claimed into this batch. A message in flight is `queued` with its batch_id set, and
    // batch_id is in no index of messages, so claiming it rewrites the row in place (a HOT update, no
    // index entries); recovery and a 429's release find the batch's messages from this list.
    messageIds: uuid().array(),
  },
  (t) => [index("send_batches_open_idx").on(t.status, t.checkAfter).where(sql`${t.status} in ('in_flight', 'uncertain')`)],
);

export const messageKindEnum = pgEnum("message_kind", ["single", "campaign", "sequence"]);

// Order matters: status only moves forward along queued < sent < delivered < opened < clicked;
// bounced, spam_complaint, unsubscribed are terminal outcomes; failed/suppressed never left Postline.
export const messageStatusEnum = pgEnum("message_status", [
  "queued",
  "sending",
  "sent",
  "delivered",
  "opened",
  "clicked",
  "bounced",
  "spam_complaint",
  "unsubscribed",
  "failed",
  "suppressed",
  "cancelled",
]);
export type MessageStatus = (typeof messageStatusEnum.enumValues)[number];

/**
 * "The address has a character beyond ASCII": messages_campaign_non_ascii_address_idx's predicate. A
 * query reaches that index only with this very expression (lib/messages/address-search.ts).
 */
export const nonAsciiAddress = (toEmail: SQLWrapper) => sql`${toEmail} ~ '[^\\x01-\\x7f]'`;

export const messages = pgTable(
  "messages",
  {
    // In time order (UUID version 7, migration 0032): a freeze's rows and their later status entries
    // go to the right edge of the indexes that end in the id (the primary key, the campaign's status
    // and activity indexes) instead of every page of them (bench:audience's freeze of 920,000: 42–51 s
    // with random ids, 33–34 s in time order). Public links carry ids only under a MAC
    // (lib/sending/unsubscribe-token.ts); an id tells when its message was made, nothing more.
    id: uuid().primaryKey().default(sql`postline_uuidv7()`),
    kind: messageKindEnum().notNull(),
    // The campaign, checked as a foreign key is, but once a statement instead of once a row: a freeze
    // inserts a campaign's whole audience in 16 statements, and a declared foreign key re-read the same
    // campaign for every one of its rows (a seventh of a frozen row's cost). The checks, with the key-share
    // lock a declared key takes, and the cascade when a campaign is deleted are triggers in db/functions/
    // (messages_campaign_inserted, messages_campaign_updated, campaigns_deleted_messages).
    campaignId: uuid(),
    contactId: uuid().references(() => contacts.id, { onDelete: "set null" }),
    // Sequence mail (kind 'sequence', campaign_id null): which sequence, which of its emails, whose
    // enrollment. Its stats are read from these rows (lib/sequences/stats.ts).
    sequenceId: uuid().references(() => sequences.id, { onDelete: "set null" }),
    sequenceEmailId: uuid().references(() => sequenceEmails.id, { onDelete: "set null" }),
    enrollmentId: uuid().references(() => sequenceEnrollments.id, { onDelete: "set null" }),
    toEmail: text().notNull(),
    fromEmail: text().notNull(),
    subject: text().notNull(),
    messageStream: text().notNull(),
    tag: text(),
    metadata: jsonb().$type<Record<string, string>>().notNull().default({}),
    // Bodies of single emails (campaign mail is rendered from its campaign): kept so a throttled or
    // uncertain send can go out later, and so support can see what was sent.
    htmlBody: text(),
    textBody: text(),
    // Tracking asked for a single email (campaign mail always tracks both), kept with the bodies so a
    // later attempt sends it the same way.
    trackOpens: boolean().notNull().default(true),
    trackLinks: boolean().notNull().default(true),
    status: messageStatusEnum().notNull().default("queued"),
    postmarkMessageId: text(),
    errorCode: integer(),
    errorMessage: text(),
    attempts: integer().notNull().default(0),
    batchId: uuid().references(() => sendBatches.id, { onDelete: "set null" }),
    // Set after a throttled attempt (429): the message waits until then.
    nextAttemptAt: timestamp({ withTimezone: true }),
    sentAt: timestamp({ withTimezone: true }),
    deliveredAt: timestamp({ withTimezone: true }),
    firstOpenedAt: timestamp({ withTimezone: true }),
    lastOpenedAt: timestamp({ withTimezone: true }),
    openCount: integer().notNull().default(0),
    firstClickedAt: timestamp({ withTimezone: true }),
    lastClickedAt: timestamp({ withTimezone: true }),
    clickCount: integer().notNull().default(0),
    // Human engagement (issue 15, lib/engagement): the first open and click a person made, apart from
    // the first of any kind above; the classes of every open and click seen; and the classifier's
    // state for this message (lib/engagement/state.ts MessageEngagement, as JSON), which ingestion
    // reads before classifying and writes back only if nobody changed it meanwhile.
    firstHumanOpenedAt: timestamp({ withTimezone: true }),
    firstHumanClickedAt: timestamp({ withTimezone: true }),
    openClasses: text().array().notNull().default(sql`'{}'::text[]`),
    clickClasses: text().array().notNull().default(sql`'{}'::text[]`),
    engagement: jsonb(),
    bouncedAt: timestamp({ withTimezone: true }),
    complainedAt: timestamp({ withTimezone: true }),
    unsubscribedAt: timestamp({ withTimezone: true }),
    lastEventAt: timestamp({ withTimezone: true }),
    // When reconciliation last compared this message with Postmark, and how often it has.
    reconciledAt: timestamp({ withTimezone: true }),
    reconcileCount: integer().notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One message per recipient per campaign: a re-run of the audience freeze cannot duplicate anyone.
    uniqueIndex("messages_campaign_contact_key")
      .on(t.campaignId, t.contactId)
      .where(sql`${t.campaignId} is not null and ${t.contactId} is not null`),
    // The dispatcher claims the next queued messages of a campaign in id order from this index.
    index("messages_campaign_status_idx").on(t.campaignId, t.status, t.id),
    // No index on batch_id (send_batches.message_ids lists a batch's messages): a claim changes only
    // batch_id, attempts and updated_at, none of them indexed, so with the page's free space (fillfactor
    // 85, migration 0029) the row is rewritten in place without an entry in any of these indexes.
    uniqueIndex("messages_postmark_message_id_key").on(t.postmarkMessageId).where(sql`${t.postmarkMessageId} is not null`),
    // Each (enrollment, email) of a sequence is sent at most once, whatever races or crashes.
    uniqueIndex("messages_enrollment_email_key").on(t.enrollmentId, t.sequenceEmailId).where(sql`${t.enrollmentId} is not null`),
    // Per-email stats of a sequence, and its queue (messages put back after a 429 or a recovery).
    index("messages_sequence_email_idx").on(t.sequenceEmailId, t.status).where(sql`${t.sequenceEmailId} is not null`),
    index("messages_sequence_queue_idx").on(t.id).where(sql`${t.sequenceId} is not null and ${t.status} = 'queued'`),
    // Per-recipient tables: keyset pages sorted by address or by latest activity within a campaign.
    // The address index also holds each address in lower case, after the keys it is sorted by: an
    // address search inside a campaign tests that copy in the index alone (an index-only scan, no
    // lower() per row), which is what a term that matches late or not at all costs (bench:views).
    index("messages_campaign_address_idx").on(t.campaignId, t.toEmail, t.id, sql`lower(${t.toEmail})`),
    index("messages_campaign_activity_idx").on(t.campaignId, t.lastEventAt, t.id),
    // The "Clicked" and "Opened" recipient filters (people, issue 15) in address order. While few
    // recipients match (early in a campaign, or a campaign nobody clicks) the address index above
    // would walk the whole campaign to fill a page, and with no match the planner scanned the table
    // (EXPLAIN at 100,000 recipients: 180 ms); these hold only the matching rows.
    index("messages_campaign_human_clicked_idx").on(t.campaignId, t.toEmail, t.id).where(sql`${t.firstHumanClickedAt} is not null`),
    index("messages_campaign_human_opened_idx").on(t.campaignId, t.toEmail, t.id).where(sql`${t.firstHumanOpenedAt} is not null`),
    index("messages_contact_idx").on(t.contactId, t.createdAt),
    // Segments' engagement conditions (lib/segments/compile.ts), on human engagement: "opened (clicked)
    // any campaign in the last N days" reads a range of the first index (only messages a person opened)
    // and hashes its contact ids, never scanning every message; "never opened" is an anti-join on it.
    index("messages_human_opened_contact_idx").on(t.firstHumanOpenedAt, t.contactId).where(sql`${t.firstHumanOpenedAt} is not null and ${t.contactId} is not null and ${t.campaignId} is not null`),
    index("messages_human_clicked_contact_idx").on(t.firstHumanClickedAt, t.contactId).where(sql`${t.firstHumanClickedAt} is not null and ${t.contactId} is not null and ${t.campaignId} is not null`),
    // Reconciliation's work list: messages Postmark accepted whose outcome may still change.
    index("messages_reconcile_idx")
      .on(t.reconciledAt, t.sentAt)
      .where(sql`${t.postmarkMessageId} is not null and ${t.status} in ('sent', 'delivered', 'opened', 'clicked')`),
    index("messages_single_queue_idx").on(t.status, t.id).where(sql`${t.campaignId} is null and ${t.status} in ('queued', 'sending')`),
    // Erasure finds a person's messages by contact id (messages_contact_idx), and by address only the
    // messages that have no contact (a single email to someone not yet a contact, lib/contacts/erase.ts).
    // So only those are indexed by address: a campaign's rows, every one with its contact, skip this
    // index at the freeze (a random place in a large index for each: a seventh to a fifth of a frozen row's cost).
    index("messages_to_email_idx").on(sql`lower(${t.toEmail})`).where(sql`${t.contactId} is null`),
    // The address search, inside a campaign's recipient table and on the messages page: a substring
    // (`lower(to_email) like '%…%'`) found by its trigrams (pg_trgm, issue 19). Inside a campaign the
    // planner intersects it with the campaign filter; a term of one character (or two with punctuation)
    // has no trigram and walks messages_campaign_address_idx in address order instead (bench:views
    // prints the plans); two letters or digits are asked as below.
    index("messages_to_email_trgm_idx").using("gin", sql`lower(${t.toEmail}) gin_trgm_ops`),
    // Two letters have no trigram of their own, but in an address of ASCII characters each place they
    // occur is followed by a character (a trigram of the three) or ends the address (a trigram of the
    // two and the end): lib/messages/address-search.ts asks the index above for those. The few
    // addresses with any other character are kept here, so the search stays exact for them too.
    index("messages_campaign_non_ascii_address_idx").on(t.campaignId).where(nonAsciiAddress(t.toEmail)),
    index("messages_created_at_idx").on(t.createdAt),
  ],
);

export const eventSourceEnum = pgEnum("event_source", ["webhook", "reconciliation"]);

// What fetched an Open or Click (lib/engagement/rules.ts EngagementClass).
export const engagementClassEnum = pgEnum("engagement_class", ["human", "apple_mpp", "image_proxy", "link_scanner", "unknown"]);

/**
 * Every Postmark event stored once, its extracted fields kept forever. Partitioned by month of
 * received_at (when Postline stored it: monotonic, unlike occurred_at), by the migration 0025 and
 * lib/events/partitions.ts (months created ahead by the reconcile cron and at start, a default
 * partition for anything outside them); drizzle-kit knows nothing of the partitioning, so this file
 * describes the parent table only. The raw JSON lives in message_event_raw (same months, dropped after
 * the retention), and the de-duplication in message_event_keys: a unique key on a partitioned table
 * must include the partition key, which a retried delivery does not share.
 */
export const messageEvents = pgTable(
  "message_events",
  {
    id: bigserial({ mode: "number" }).notNull(),
    // Postmark sends no event id: the key is derived from what identifies one occurrence
    // (record type, MessageID, recipient, its timestamp, …) so a retried post maps to the same key.
    // Unique through message_event_keys.
    eventKey: text().notNull(),
    messageId: uuid().references(() => messages.id, { onDelete: "cascade" }),
    postmarkMessageId: text(),
    recordType: text().notNull(),
    recipient: text(),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
    source: eventSourceEnum().notNull().default("webhook"),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    // Opens and clicks: who the classifier says fetched it, the reasons that decided, and the rules'
    // version (lib/engagement); null for other events and for opens stored before classification.
    engagementClass: engagementClassEnum(),
    engagementReasons: text().array(),
    engagementRulesVersion: text(),
    // The partition key: never updated.
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.receivedAt] }),
    index("message_events_message_idx").on(t.messageId, t.occurredAt),
    // Orphans (events that arrived before their message) are found by MessageID when it appears.
    index("message_events_orphan_idx").on(t.postmarkMessageId).where(sql`${t.messageId} is null`),
    index("message_events_received_idx").on(t.receivedAt, t.id),
  ],
);

/**
 * The event keys stored (one row per row of message_events, removed with it by the trigger
 * message_events_deleted): the de-duplication across partitions. Not partitioned; kept forever.
 */
export const messageEventKeys = pgTable("message_event_keys", {
  eventKey: text().primaryKey(),
});

/**
 * Exactly what Postmark sent, for support and for re-extraction if our parsing improves: one row per
 * event, partitioned like message_events (same months, same received_at), so the raw JSON of a month
 * older than RAW_EVENT_RETENTION_DAYS goes by DETACH PARTITION + DROP TABLE, never row by row.
 */
export const messageEventRaw = pgTable(
  "message_event_raw",
  {
    eventId: bigint({ mode: "number" }).notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull(),
    raw: jsonb().notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.receivedAt] })],
);
