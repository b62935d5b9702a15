import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Postmark's suppression lists as the last sync read them (lib/postmark-admin/suppression-sync.ts),
 * one row per stream and address (lowercased), with Postmark's reason and origin. What Postline
 * pushed is added here when Postmark accepted it, so the next sync does not push it again.
 */
export const postmarkSuppressions = pgTable(
  "postmark_suppressions",
  {
    stream: text().notNull(),
    email: text().notNull(),
    // HardBounce | SpamComplaint | ManualSuppression
    reason: text().notNull(),
    // Recipient | Customer | Admin
    origin: text().notNull(),
    // Postmark's CreatedAt: a suppression older than the contact's last status change is not applied
    // (the contact was reactivated after it, or Postmark has not applied the lift yet).
    suppressedAt: timestamp({ withTimezone: true }).notNull(),
    seenAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.stream, t.email] }), index("postmark_suppressions_email_idx").on(t.email)],
);

/** One row per suppression sync (the reconcile cron's step): what it read, applied and pushed. */
export const postmarkSuppressionSyncs = pgTable("postmark_suppression_syncs", {
  id: bigserial({ mode: "number" }).primaryKey(),
  startedAt: timestamp({ withTimezone: true }).notNull(),
  finishedAt: timestamp({ withTimezone: true }),
  status: text().notNull().default("running"),
  // Suppressions read per stream: { "outbound": 12, "broadcast": 40 }
  pulled: jsonb().$type<Record<string, number>>().notNull().default({}),
  applied: integer().notNull().default(0),
  pushed: integer().notNull().default(0),
  pushFailed: integer().notNull().default(0),
  error: text(),
});
