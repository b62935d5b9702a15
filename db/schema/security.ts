import { bigserial, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

export const suspiciousRequests = pgTable(
  "suspicious_requests",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    route: text().notNull(),
    ip: text().notNull(),
    reason: text().notNull(),
    userAgent: text(),
    // Names only: values may carry the very secret an attacker is guessing.
    headerNames: text().array().notNull().default([]),
    bodySha256: text(),
    bodyExcerpt: text(),
    bodyBytes: integer(),
    acknowledgedAt: timestamp({ withTimezone: true }),
    acknowledgedById: uuid().references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    index("suspicious_requests_created_idx").on(t.createdAt),
    index("suspicious_requests_ip_idx").on(t.ip, t.createdAt),
    index("suspicious_requests_reason_idx").on(t.reason, t.createdAt),
  ],
);

export const alerts = pgTable(
  "alerts",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    kind: text().notNull(),
    severity: text().notNull().default("warning"),
    title: text().notNull(),
    body: text().notNull().default(""),
    // Alerts of one kind and key are throttled together (a flood becomes one digest).
    dedupeKey: text(),
    occurrences: integer().notNull().default(1),
    // How many occurrences the emails sent so far covered: the rest go out in the next digest.
    emailedOccurrences: integer().notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    emailedAt: timestamp({ withTimezone: true }),
    acknowledgedAt: timestamp({ withTimezone: true }),
    acknowledgedById: uuid().references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    index("alerts_open_idx").on(t.acknowledgedAt, t.createdAt),
    index("alerts_dedupe_idx").on(t.kind, t.dedupeKey, t.createdAt),
  ],
);
