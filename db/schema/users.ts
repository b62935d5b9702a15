import { sql } from "drizzle-orm";
import { index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const roleEnum = pgEnum("role", ["admin", "marketer"]);
export type Role = (typeof roleEnum.enumValues)[number];

export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    email: text().notNull(),
    name: text().notNull().default(""),
    passwordHash: text().notNull(),
    role: roleEnum().notNull().default("marketer"),
    // The IANA zone the dashboard shows this user's times in; null: the browser's own zone.
    timeZone: text(),
    disabledAt: timestamp({ withTimezone: true }),
    lastSignInAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  // Addresses are unique whatever their case: Ann@x.com and ann@x.com are one person.
  (t) => [uniqueIndex("users_email_lower_key").on(sql`lower(${t.email})`)],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    // The first characters of the key, shown in lists so a key can be recognised without revealing it.
    prefix: text().notNull(),
    // SHA-256 of the whole key: keys are 32 random bytes, so a fast hash is enough and lookups stay O(1).
    keyHash: text().notNull().unique(),
    role: roleEnum().notNull(),
    createdById: uuid().references(() => users.id, { onDelete: "set null" }),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("api_keys_created_by_idx").on(t.createdById)],
);

// Fixed-window counters shared by every app instance: sign-in throttling, abusive webhook sources.
export const rateLimits = pgTable("rate_limits", {
  key: text().primaryKey(),
  windowStart: timestamp({ withTimezone: true }).notNull(),
  count: integer().notNull().default(0),
});
