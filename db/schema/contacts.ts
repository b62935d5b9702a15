import { sql } from "drizzle-orm";
import {
  index,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const contactStatusEnum = pgEnum("contact_status", [
  "subscribed",
  "unsubscribed",
  "bounced",
  "complained",
]);
export type ContactStatus = (typeof contactStatusEnum.enumValues)[number];

export const contacts = pgTable(
  "contacts",
  {
    id: uuid().primaryKey().defaultRandom(),
    email: text().notNull(),
    name: text().notNull().default(""),
    fields: jsonb().$type<Record<string, string>>().notNull().default({}),
    status: contactStatusEnum().notNull().default("subscribed"),
    statusReason: text(),
    statusChangedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("contacts_email_lower_key").on(sql`lower(${t.email})`),
    index("contacts_status_idx").on(t.status),
    // The home page's contacts growth: contacts added per day over the last 30 days.
    index("contacts_created_at_idx").on(t.createdAt),
  ],
);

export const lists = pgTable(
  "lists",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("lists_name_lower_key").on(sql`lower(${t.name})`)],
);

export const listMemberships = pgTable(
  "list_memberships",
  {
    listId: uuid()
      .notNull()
      .references(() => lists.id, { onDelete: "cascade" }),
    contactId: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.listId, t.contactId] }),
    index("list_memberships_contact_idx").on(t.contactId),
  ],
);
