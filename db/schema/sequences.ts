import { sql } from "drizzle-orm";
import { boolean, index, integer, pgEnum, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { contacts } from "./contacts";
import { users } from "./users";

export const sequenceStatusEnum = pgEnum("sequence_status", ["draft", "active", "paused"]);
export type SequenceStatus = (typeof sequenceStatusEnum.enumValues)[number];

export const sequenceTriggerEnum = pgEnum("sequence_trigger", ["form", "list", "tag", "manual"]);
export type SequenceTrigger = (typeof sequenceTriggerEnum.enumValues)[number];

export const sequenceDelayUnitEnum = pgEnum("sequence_delay_unit", ["minutes", "hours", "days"]);
export type SequenceDelayUnit = (typeof sequenceDelayUnitEnum.enumValues)[number];

export const enrollmentStatusEnum = pgEnum("enrollment_status", ["active", "completed", "exited"]);
export type EnrollmentStatus = (typeof enrollmentStatusEnum.enumValues)[number];

/**
 * A sequence (drip emails, lib/sequences): what enrols a contact (`trigger_type` and the form, list or
 * tag `trigger_id`; manual has none), when its emails may go out (the window: ISO weekdays 1 = Monday
 * … 7 = Sunday and hours [start, end) in `time_zone`, or a contact's `fields.time_zone` when valid;
 * no window: any time), and what takes an enrolled contact out early besides unsubscribing, bouncing
 * or complaining (always): a tag added, a list joined.
 */
export const sequences = pgTable(
  "sequences",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    status: sequenceStatusEnum().notNull().default("draft"),
    triggerType: sequenceTriggerEnum().notNull().default("manual"),
    // The form, list or tag that enrols (no foreign key: one column for three tables; an id whose
    // target was deleted simply never fires).
    triggerId: uuid(),
    fromEmail: text().notNull(),
    // Enrol again after completing (never while an enrollment is active).
    reenroll: boolean().notNull().default(false),
    windowDays: smallint().array(),
    windowStartHour: smallint(),
    windowEndHour: smallint(),
    timeZone: text().notNull().default("UTC"),
    exitTagIds: uuid().array().notNull().default(sql`'{}'::uuid[]`),
    exitListIds: uuid().array().notNull().default(sql`'{}'::uuid[]`),
    createdById: uuid().references(() => users.id, { onDelete: "set null" }),
    activatedAt: timestamp({ withTimezone: true }),
    pausedAt: timestamp({ withTimezone: true }),
    // As on campaigns: the circuit breakers' window starts at these totals (an admin's last resume
    // after a breaker paused the sequence).
    breakerBaseDelivered: integer().notNull().default(0),
    breakerBaseComplaints: integer().notNull().default(0),
    breakerBaseHardBounces: integer().notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("sequences_trigger_idx").on(t.triggerType, t.triggerId).where(sql`${t.status} = 'active'`)],
);

/**
 * The emails of a sequence in `position` order, each sent `delay` after the previous one (the first
 * after enrolment). A deleted email keeps its row (its messages point at it) and is skipped by every
 * enrollment not yet past it.
 */
export const sequenceEmails = pgTable(
  "sequence_emails",
  {
    id: uuid().primaryKey().defaultRandom(),
    sequenceId: uuid()
      .notNull()
      .references(() => sequences.id, { onDelete: "cascade" }),
    position: integer().notNull(),
    delayAmount: integer().notNull(),
    delayUnit: sequenceDelayUnitEnum().notNull(),
    subject: text().notNull(),
    html: text().notNull(),
    text: text(),
    deletedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("sequence_emails_position_key").on(t.sequenceId, t.position)],
);

/**
 * One contact's way through a sequence. `next_email_id` is the email it waits for, due at
 * `next_due_at` (= `anchor_at`, when the previous email went out or the contact enrolled, plus that
 * email's delay, moved to the window's next opening when it falls outside). The engine claims due rows
 * with SKIP LOCKED (lib/sequences/engine.ts); each (enrollment, email) becomes at most one message
 * (messages_enrollment_email_key).
 */
export const sequenceEnrollments = pgTable(
  "sequence_enrollments",
  {
    id: uuid().primaryKey().defaultRandom(),
    sequenceId: uuid()
      .notNull()
      .references(() => sequences.id, { onDelete: "cascade" }),
    contactId: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    status: enrollmentStatusEnum().notNull().default("active"),
    // unsubscribed, bounced, complained, pending, tag_added, joined_list, removed (by hand or the API)
    exitReason: text(),
    nextEmailId: uuid().references(() => sequenceEmails.id, { onDelete: "set null" }),
    anchorAt: timestamp({ withTimezone: true }).notNull(),
    nextDueAt: timestamp({ withTimezone: true }),
    // How many emails went out (or were skipped for the contact) so far: "where it stands".
    emailsSent: integer().notNull().default(0),
    enrolledAt: timestamp({ withTimezone: true }).notNull(),
    completedAt: timestamp({ withTimezone: true }),
    exitedAt: timestamp({ withTimezone: true }),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // At most one active enrollment per contact and sequence, whatever enrols it.
    uniqueIndex("sequence_enrollments_active_key").on(t.sequenceId, t.contactId).where(sql`${t.status} = 'active'`),
    // The engine's work list: active enrollments in due order.
    index("sequence_enrollments_due_idx").on(t.nextDueAt).where(sql`${t.status} = 'active' and ${t.nextDueAt} is not null`),
    index("sequence_enrollments_sequence_idx").on(t.sequenceId, t.status, t.enrolledAt),
    index("sequence_enrollments_contact_idx").on(t.contactId, t.enrolledAt),
    index("sequence_enrollments_next_email_idx").on(t.nextEmailId).where(sql`${t.status} = 'active'`),
  ],
);
