import { index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { lists } from "./contacts";
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
    startedAt: timestamp({ withTimezone: true }),
    pausedAt: timestamp({ withTimezone: true }),
    cancelledAt: timestamp({ withTimezone: true }),
    // Why sending stopped on its own (e.g. Postmark refused the token), shown on the campaign page.
    lastError: text(),
    completedAt: timestamp({ withTimezone: true }),
    createdById: uuid().references(() => users.id, { onDelete: "set null" }),
    // Totals kept incrementally by sending and ingestion, never recounted from message_events.
    recipientCount: integer().notNull().default(0),
    sentCount: integer().notNull().default(0),
    deliveredCount: integer().notNull().default(0),
    openedCount: integer().notNull().default(0),
    clickedCount: integer().notNull().default(0),
    bouncedCount: integer().notNull().default(0),
    spamComplaintCount: integer().notNull().default(0),
    unsubscribedCount: integer().notNull().default(0),
    failedCount: integer().notNull().default(0),
    suppressedCount: integer().notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("campaigns_status_idx").on(t.status)],
);

// The audience: no row means every subscribed contact.
export const campaignLists = pgTable(
  "campaign_lists",
  {
    campaignId: uuid()
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    listId: uuid()
      .notNull()
      .references(() => lists.id, { onDelete: "restrict" }),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.listId] })],
);
