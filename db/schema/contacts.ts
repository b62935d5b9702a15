import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
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
  // Signed up through a form with double opt-in and not confirmed yet: never mailed but for the
  // confirmation email, in no audience, erased when the link has long expired (lib/forms/cleanup.ts).
  "pending",
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
    // The contacts table's one order (newest first), paged by keyset on (created_at, id); also the
    // home page's contacts growth (contacts added per day over 30 days).
    index("contacts_created_idx").on(t.createdAt, t.id),
    // One search box over address, name and custom field values (not their keys): a trigram index
    // (pg_trgm) serves `like '%…%'` from three characters on, so a search stays fast at 100k contacts.
    // The expression must match CONTACT_SEARCH_TEXT in lib/contacts/search.ts exactly.
    // Segments' custom field conditions (lib/segments/compile.ts): `fields @> {"key": "value"}` for
    // equals, and `fields ? key` for "a contact has this field" (the builder's unknown_field check).
    index("contacts_fields_gin_idx").using("gin", t.fields),
    index("contacts_search_trgm_idx").using("gin", sql`(lower(${t.email} || ' ' || ${t.name} || ' ' || jsonb_path_query_array(${t.fields}, '$.*')::text)) gin_trgm_ops`),
  ],
);

/**
 * A contact's campaign engagement in one row, so segment conditions on engagement are index ranges
 * instead of joins over every message (lib/segments/compile.ts). Derived from messages (campaign
 * messages only) and kept by the statements that change them:
 * - sent_at: the first campaign message sent to the contact (lib/sending/record-results.ts, in the
 *   statement that records a batch as sent);
 * - human_opened_at / human_clicked_at: the latest of the contact's messages' first human open and
 *   first human click (messages.first_human_opened_at / _clicked_at), recomputed from the messages
 *   by db/functions/postline_refresh_contact_engagement.sql whenever postline_apply_events changes
 *   one of them, so an out-of-order or re-classified event can move them either way.
 * A row exists once a campaign message was sent to the contact or engaged with; erasing the contact
 * deletes it (cascade). Migration 0019 filled it from messages.
 */
export const contactEngagement = pgTable(
  "contact_engagement",
  {
    contactId: uuid()
      .primaryKey()
      .references(() => contacts.id, { onDelete: "cascade" }),
    sentAt: timestamp({ withTimezone: true }),
    humanOpenedAt: timestamp({ withTimezone: true }),
    humanClickedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index("contact_engagement_opened_idx").on(t.humanOpenedAt, t.contactId),
    index("contact_engagement_clicked_idx").on(t.humanClickedAt, t.contactId),
    // "Never opened": sent a campaign, no person's open.
    index("contact_engagement_never_opened_idx").on(t.contactId).where(sql`${t.sentAt} is not null and ${t.humanOpenedAt} is null`),
  ],
);

/**
 * The custom field values of each contact that read as a number or a day, one row per field, typed,
 * so segment counts comparing a field with a number or a date are index ranges instead of parsing
 * every contact's JSON (lib/segments/count.ts). Derived from contacts.fields and kept by triggers on
 * contacts (db/functions/contacts_field_values_insert.sql: one statement-level insert per insert
 * statement; contacts_field_values_update.sql: a row trigger that fires only for a contact whose
 * fields changed, so an import's upsert of unchanged rows costs nothing); erasing the contact deletes
 * its rows (cascade). Text values have no row (an import of names and cities writes nothing here).
 * - num: the value as a number when lib/segments/compile.ts's NUMBER_PATTERN accepts it (60
 *   characters at most), else null;
 * - day: its first ten characters when it starts YYYY-MM-DD (DATE_PATTERN), compared as text in "C"
 *   order like the compiled condition, else null.
 */
export const contactFieldValues = pgTable(
  "contact_field_values",
  {
    contactId: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    name: text().notNull(),
    num: numeric(),
    day: text(),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.name] }),
    index("contact_field_values_num_idx").on(t.name, t.num, t.contactId).where(sql`${t.num} is not null`),
    index("contact_field_values_day_idx").on(t.name, sql`${t.day} collate "C"`, t.contactId).where(sql`${t.day} is not null`),
  ],
);

/**
 * What is kept of an erased contact who must never be mailed again (unsubscribed, bounced or
 * complained): SHA-256 of the normalised address (lower(trim(email))), never the address. Checked by a
 * trigger on every insert into contacts (db/functions/contacts_suppressed_on_insert.sql), whatever
 * path creates the contact, so a re-added address comes back with the status it was erased with.
 */
export const suppressedAddresses = pgTable("suppressed_addresses", {
  addressHash: text().primaryKey(),
  status: contactStatusEnum().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** The erasure log: who erased which contact id and when (never the address). */
export const contactErasures = pgTable(
  "contact_erasures",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    contactId: uuid().notNull(),
    erasedBy: text().notNull(),
    erasedAt: timestamp({ withTimezone: true }).notNull(),
    // Whether the address's hash went on the suppression list (the contact was not subscribed).
    suppressed: boolean().notNull(),
    // Message rows whose personal data was erased (their ids, statuses and times stay).
    messagesErased: integer().notNull(),
  },
  (t) => [index("contact_erasures_erased_at_idx").on(t.erasedAt)],
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

/**
 * Labels a marketer puts on contacts (by hand, the API, CSV import, later forms), which segments and
 * campaigns will target. Names are unique whatever their case, like lists: "VIP" and "vip" are one tag.
 */
export const tags = pgTable(
  "tags",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("tags_name_lower_key").on(sql`lower(${t.name})`)],
);

export const contactTags = pgTable(
  "contact_tags",
  {
    // Deleting a contact (erasure) or a tag takes its taggings with it.
    contactId: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    tagId: uuid()
      .notNull()
      .references(() => tags.id, { onDelete: "cascade" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The key serves "this contact's tags" (contact pages, the API's contact shape).
    primaryKey({ columns: [t.contactId, t.tagId] }),
    // "Contacts with this tag": tag counts, and segments' has-tag conditions as an index-only semi-join.
    index("contact_tags_tag_contact_idx").on(t.tagId, t.contactId),
  ],
);
