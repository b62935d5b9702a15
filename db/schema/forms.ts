import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { contacts, lists, tags } from "./contacts";
import { users } from "./users";

/** One field a form asks: the address (always, first, required), the name, or a custom field. */
export interface FormField {
  kind: "email" | "name" | "custom";
  /** A custom field's name (contacts.fields key); absent for email and name. */
  name?: string;
  label: string;
  required: boolean;
}

/**
 * A signup form (hosted at /f/{id}, embeddable, or posted as JSON). What it shows is kept on each
 * signup as it was shown (form_signups.shown_text), so editing a form never rewrites past consent.
 */
export const forms = pgTable(
  "forms",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    fields: jsonb().$type<FormField[]>().notNull(),
    heading: text().notNull(),
    intro: text().notNull().default(""),
    // Shown above the button; the words a person agrees to.
    consentText: text().notNull().default(""),
    submitLabel: text().notNull().default("Subscribe"),
    doubleOptIn: boolean().notNull().default(true),
    // The confirmation email; `{{ confirm_url }}` is replaced by the signed link.
    confirmationSubject: text().notNull(),
    confirmationHtml: text().notNull(),
    confirmationText: text().notNull(),
    // After a submission and after a confirmation: a message on Postline's page, or a redirect.
    thankYouMessage: text().notNull(),
    thankYouUrl: text(),
    confirmedMessage: text().notNull(),
    confirmedUrl: text(),
    // Origins (scheme://host[:port]) whose pages may post this form from a browser.
    allowedOrigins: text().array().notNull().default(sql`'{}'::text[]`),
    archivedAt: timestamp({ withTimezone: true }),
    createdById: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("forms_created_idx").on(t.createdAt, t.id)],
);

/**
 * A form's counts, kept in a few rows (shards) rather than on the form: every signup of a form moved
 * one counter on the form's row, so a rush of signups queued on that row's lock, each holding it until
 * its commit was on disk (bench:audience, 2026-11-26: 2.4 ms of a signup's 3.2 ms in PostgreSQL was the
 * wait). A writer adds to the shard of its connection (`pg_backend_pid() % FORM_COUNT_SHARDS`); a
 * reader sums the form's rows.
 */
export const formCounts = pgTable(
  "form_counts",
  {
    formId: uuid()
      .notNull()
      .references(() => forms.id, { onDelete: "cascade" }),
    shard: smallint().notNull(),
    submissions: integer().notNull().default(0),
    confirmed: integer().notNull().default(0),
    // A submission refused as a bot (honeypot filled, too fast) leaves only this count.
    refusedAsBot: integer().notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.formId, t.shard] })],
);

/** The lists a confirmed subscriber joins. */
export const formLists = pgTable(
  "form_lists",
  {
    formId: uuid()
      .notNull()
      .references(() => forms.id, { onDelete: "cascade" }),
    listId: uuid()
      .notNull()
      .references(() => lists.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.formId, t.listId] }), index("form_lists_list_idx").on(t.listId)],
);

/** The tags a confirmed subscriber gets. */
export const formTags = pgTable(
  "form_tags",
  {
    formId: uuid()
      .notNull()
      .references(() => forms.id, { onDelete: "cascade" }),
    tagId: uuid()
      .notNull()
      .references(() => tags.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.formId, t.tagId] }), index("form_tags_tag_idx").on(t.tagId)],
);

/**
 * The consent record: one per accepted submission. Who signed up (the contact), when, from where, with
 * what browser, the exact text the form showed and the values sent; and, once the signed link is
 * confirmed, the same for the confirmation. Erasing the contact erases its signups (cascade).
 */
export const formSignups = pgTable(
  "form_signups",
  {
    id: uuid().primaryKey().defaultRandom(),
    formId: uuid()
      .notNull()
      .references(() => forms.id),
    contactId: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    submittedAt: timestamp({ withTimezone: true }).notNull(),
    submittedIp: text().notNull(),
    submittedUserAgent: text().notNull().default(""),
    shownText: text().notNull(),
    values: jsonb().$type<Record<string, string>>().notNull(),
    // When the link stops working; null when the form has no double opt-in (confirmed on submission).
    expiresAt: timestamp({ withTimezone: true }),
    confirmedAt: timestamp({ withTimezone: true }),
    confirmedIp: text(),
    confirmedUserAgent: text(),
    // The confirmation email (a single email on the transactional stream), when one was sent.
    messageId: uuid(),
  },
  (t) => [
    index("form_signups_contact_idx").on(t.contactId, t.submittedAt),
    index("form_signups_form_idx").on(t.formId, t.submittedAt),
    // The cleanup of pending contacts reads unconfirmed signups by expiry.
    index("form_signups_unconfirmed_idx").on(t.expiresAt).where(sql`${t.confirmedAt} is null`),
  ],
);
