/**
 * Sequences (issue 17): a name, a trigger, ordered emails with delays, a sending window, exit
 * conditions, and a status (draft, active, paused). Creating, reading, editing (with the rules for
 * enrollments already under way), activating, pausing and resuming. The engine that sends is
 * engine.ts; enrolment is enrollments.ts.
 *
 * Editing rules (issue 17 item 2), applied in the same transaction as the edit:
 * - an email's content is read when it is sent, so a change affects every send not yet made;
 * - a changed delay moves the due time of enrollments waiting for that email (their anchor + the new delay);
 * - a deleted email is skipped by every enrollment not yet past it (those waiting for it move on to the
 *   next one, or complete); its row stays, flagged, for the messages that point at it;
 * - emails added at the end continue enrollments that had completed only when `continue_completed` says so.
 */
import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db";
import { forms, lists, sequenceEmails, sequenceEnrollments, sequences, tags, type Role, type SequenceDelayUnit, type SequenceStatus, type SequenceTrigger } from "@/db/schema";
import { resumeAfterBreaker } from "@/lib/deliverability/breakers";
import { validateCampaignTemplates } from "@/lib/campaigns/campaigns";
import { canonicalTimeZone } from "@/lib/campaigns/schedule-time";
import { AppError, notFound } from "@/lib/errors";
import { idField, uuidArray } from "@/lib/http/id";
import { delayMs, MAX_DELAY_MS, WEEKDAY_NAMES, type SendingWindow } from "./schedule";

export type Sequence = typeof sequences.$inferSelect;
export type SequenceEmail = typeof sequenceEmails.$inferSelect;

/** The most emails one sequence holds. */
export const MAX_SEQUENCE_EMAILS = 50;

const fromSchema = z
  .string()
  .trim()
  .max(320)
  .refine((v) => /^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(v), "From must be an address, or Name <address>");

const delaySchema = z.strictObject({
  amount: z.number({ error: "delay.amount is a whole number" }).int("delay.amount is a whole number"),
  unit: z.enum(["minutes", "hours", "days"], { error: "delay.unit is minutes, hours or days" }),
});

export const sequenceEmailInputSchema = z.strictObject({
  /** An existing email of the sequence (PATCH): kept, changed, moved to this place. Absent: a new email. */
  id: idField("Not a valid email id").optional(),
  subject: z.string().trim().min(1, "The subject cannot be empty").max(998, "Subjects are at most 998 characters"),
  html: z.string().trim().min(1, "The HTML body cannot be empty").max(5 * 1024 * 1024, "Bodies are at most 5 MB"),
  text: z.string().max(5 * 1024 * 1024).optional().nullable(),
  delay: delaySchema,
});
export type SequenceEmailInput = z.infer<typeof sequenceEmailInputSchema>;

const triggerSchema = z.strictObject({
  type: z.enum(["form", "list", "tag", "manual"], { error: "trigger.type is form, list, tag or manual" }),
  id: idField("trigger.id is not a valid id").optional().nullable(),
});

const windowSchema = z.strictObject({
  days: z.array(z.enum(WEEKDAY_NAMES, { error: `Days are ${WEEKDAY_NAMES.join(", ")}` })).max(7),
  start_hour: z.number().int().min(0, "start_hour is 0 to 23").max(23, "start_hour is 0 to 23"),
  end_hour: z.number().int().min(0, "end_hour is 0 to 24").max(24, "end_hour is 0 to 24"),
});

const exitSchema = z.strictObject({
  tag_ids: z.array(idField("Not a valid tag id")).max(100).optional(),
  list_ids: z.array(idField("Not a valid list id")).max(100).optional(),
});

export const sequenceInputSchema = z.strictObject({
  name: z.string().trim().min(1, "Name the sequence").max(200),
  trigger: triggerSchema.optional(),
  emails: z.array(sequenceEmailInputSchema, { error: "emails is a list of emails" }).max(MAX_SEQUENCE_EMAILS, `At most ${MAX_SEQUENCE_EMAILS} emails`),
  from: fromSchema.optional(),
  /** Enrol again after completing (never while enrolled). Default false: once. */
  reenroll: z.boolean({ error: "reenroll must be true or false" }).optional(),
  /** Days (mon … sun) and hours [start_hour, end_hour) when emails may go out; null: any time. */
  window: windowSchema.nullable().optional(),
  time_zone: z.string().max(64).optional(),
  exit: exitSchema.optional(),
});
export type SequenceInput = z.infer<typeof sequenceInputSchema>;

export const sequencePatchSchema = sequenceInputSchema.partial().extend({
  /** With emails added at the end: enrollments that had completed continue with them. */
  continue_completed: z.boolean().optional(),
});
export type SequencePatch = z.infer<typeof sequencePatchSchema>;

const dayNumber = (d: (typeof WEEKDAY_NAMES)[number]) => WEEKDAY_NAMES.indexOf(d) + 1;

/** The window as stored, or an `invalid_window` 422 for one with no days or no hours. */
function windowColumns(window: SequenceInput["window"]) {
  if (!window) return { windowDays: null, windowStartHour: null, windowEndHour: null };
  if (window.days.length === 0) throw new AppError("invalid_window", "The sending window has no days: pick at least one, or send at any time (window: null)");
  if (window.end_hour <= window.start_hour) throw new AppError("invalid_window", `The sending window has no hours: end_hour (${window.end_hour}) must be after start_hour (${window.start_hour})`);
  return { windowDays: [...new Set(window.days.map(dayNumber))].sort(), windowStartHour: window.start_hour, windowEndHour: window.end_hour };
}

export function sequenceWindow(s: Pick<Sequence, "windowDays" | "windowStartHour" | "windowEndHour">): SendingWindow | null {
  if (!s.windowDays?.length || s.windowStartHour === null || s.windowEndHour === null) return null;
  return { days: s.windowDays, startHour: s.windowStartHour, endHour: s.windowEndHour };
}

/** Emails: at least one (`no_emails`), delays from 0 to a year (`invalid_delay`), templates that compile. */
function validateEmails(emails: readonly SequenceEmailInput[]): void {
  if (emails.length === 0) throw new AppError("no_emails", "A sequence needs at least one email");
  emails.forEach((e, i) => {
    if (e.delay.amount < 0) throw new AppError("invalid_delay", `emails.${i}.delay: a delay cannot be negative`, { email: i });
    if (delayMs(e.delay) > MAX_DELAY_MS) throw new AppError("invalid_delay", `emails.${i}.delay: at most a year (365 days)`, { email: i });
    try {
      validateCampaignTemplates(e);
    } catch (error) {
      if (error instanceof AppError) throw new AppError(error.code, `emails.${i}.${error.message}`, { email: i, ...(error.details as object) });
      throw error;
    }
  });
}

/** The trigger's form, list or tag must exist; manual has none. */
async function validateTrigger(db: DbOrTx, trigger: NonNullable<SequenceInput["trigger"]>): Promise<{ triggerType: SequenceTrigger; triggerId: string | null }> {
  if (trigger.type === "manual") {
    if (trigger.id) throw new AppError("validation_failed", "trigger.id: a manual trigger has no id");
    return { triggerType: "manual", triggerId: null };
  }
  if (!trigger.id) throw new AppError("validation_failed", `trigger.id: name the ${trigger.type} that enrols`);
  const table = trigger.type === "form" ? forms : trigger.type === "list" ? lists : tags;
  const [row] = await db.select({ id: table.id }).from(table).where(eq(table.id, trigger.id)).limit(1);
  if (!row) throw new AppError(trigger.type === "form" ? "unknown_form" : trigger.type === "list" ? "unknown_list" : "unknown_tag", `Unknown ${trigger.type} id: ${trigger.id}`);
  return { triggerType: trigger.type, triggerId: trigger.id };
}

async function validateExit(db: DbOrTx, exit: NonNullable<SequenceInput["exit"]>) {
  const tagIds = [...new Set(exit.tag_ids ?? [])];
  const listIds = [...new Set(exit.list_ids ?? [])];
  if (tagIds.length) {
    const found = await db.select({ id: tags.id }).from(tags).where(inArray(tags.id, tagIds));
    const missing = tagIds.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) throw new AppError("unknown_tag", `Unknown tag id: ${missing.join(", ")}`);
  }
  if (listIds.length) {
    const found = await db.select({ id: lists.id }).from(lists).where(inArray(lists.id, listIds));
    const missing = listIds.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) throw new AppError("unknown_list", `Unknown list id: ${missing.join(", ")}`);
  }
  return { exitTagIds: tagIds, exitListIds: listIds };
}

function emailValues(e: SequenceEmailInput) {
  return { subject: e.subject, html: e.html, text: e.text?.trim() ? e.text : null, delayAmount: e.delay.amount, delayUnit: e.delay.unit as SequenceDelayUnit };
}

/** Creates a draft sequence with its emails, all or nothing. */
export async function createSequence(db: Db, input: SequenceInput, options: { defaultFrom: string; createdById?: string | null }, now: Date): Promise<Sequence> {
  validateEmails(input.emails);
  const window = windowColumns(input.window);
  const timeZone = input.time_zone ? canonicalTimeZone(input.time_zone) : "UTC";
  return db.transaction(async (tx) => {
    const trigger = await validateTrigger(tx, input.trigger ?? { type: "manual" });
    const exit = await validateExit(tx, input.exit ?? {});
    const [sequence] = await tx
      .insert(sequences)
      .values({ name: input.name, ...trigger, ...exit, ...window, timeZone, fromEmail: input.from ?? options.defaultFrom, reenroll: input.reenroll ?? false, createdById: options.createdById ?? null, createdAt: now, updatedAt: now })
      .returning();
    await tx.insert(sequenceEmails).values(input.emails.map((e, i) => ({ sequenceId: sequence.id, position: i + 1, ...emailValues(e), createdAt: now, updatedAt: now })));
    return sequence;
  });
}

export async function getSequence(db: DbOrTx, id: string): Promise<Sequence | null> {
  const [row] = await db.select().from(sequences).where(eq(sequences.id, id)).limit(1);
  return row ?? null;
}

export async function getSequenceOrThrow(db: DbOrTx, id: string): Promise<Sequence> {
  const s = await getSequence(db, id);
  if (!s) throw notFound("Sequence");
  return s;
}

/** The sequence's emails in order (deleted ones only when asked). */
export async function listSequenceEmails(db: DbOrTx, sequenceId: string, { deleted = false }: { deleted?: boolean } = {}): Promise<SequenceEmail[]> {
  return db
    .select()
    .from(sequenceEmails)
    .where(and(eq(sequenceEmails.sequenceId, sequenceId), deleted ? undefined : isNull(sequenceEmails.deletedAt)))
    .orderBy(asc(sequenceEmails.position));
}

export interface SequenceSummary extends Sequence {
  emailCount: number;
  active: number;
  completed: number;
  exited: number;
  /** Why exited enrollments left, most frequent first. */
  exitReasons: { reason: string; count: number }[];
}

/**
 * Sequences (every one, or those of `ids`), newest first, with their email counts, enrollments by status
 * and exit reasons: one statement, the enrollments grouped once by (sequence, status, reason) however
 * many sequences there are.
 */
export async function listSequences(db: DbOrTx, { ids }: { ids?: readonly string[] } = {}): Promise<SequenceSummary[]> {
  const ofIds = ids ? sql`and sequence_id = any(${uuidArray(ids)})` : sql``;
  const rows = await db
    .select({ s: sequences, e: sql<number | null>`e.n`, x: sql<{ active: number; completed: number; exited: number; reasons: { reason: string; count: number }[] | null } | null>`to_jsonb(x)` })
    .from(sequences)
    .leftJoin(sql`(select sequence_id, count(*)::int as n from sequence_emails where deleted_at is null ${ofIds} group by sequence_id) e`, sql`e.sequence_id = ${sequences.id}`)
    .leftJoin(
      sql`(select sequence_id,
             coalesce(sum(n) filter (where status = 'active'), 0)::int as active,
             coalesce(sum(n) filter (where status = 'completed'), 0)::int as completed,
             coalesce(sum(n) filter (where status = 'exited'), 0)::int as exited,
             jsonb_agg(jsonb_build_object('reason', reason, 'count', n) order by n desc, reason) filter (where status = 'exited') as reasons
           from (select sequence_id, status, coalesce(exit_reason, 'unknown') as reason, count(*)::int as n
                 from sequence_enrollments where true ${ofIds} group by 1, 2, 3) g
           group by sequence_id) x`,
      sql`x.sequence_id = ${sequences.id}`,
    )
    .where(ids ? inArray(sequences.id, [...ids]) : undefined)
    .orderBy(desc(sequences.createdAt), desc(sequences.id));
  return rows.map((r) => ({ ...r.s, emailCount: r.e ?? 0, active: r.x?.active ?? 0, completed: r.x?.completed ?? 0, exited: r.x?.exited ?? 0, exitReasons: r.x?.reasons ?? [] }));
}

/**
 * Changes what the patch names, all in one transaction (see the editing rules above). `emails`, when
 * given, is the whole new list in order: an item with an `id` keeps that email (changed as given), one
 * without is new, an existing email left out is deleted.
 */
export async function updateSequence(db: Db, { id, patch }: { id: string; patch: SequencePatch }, now: Date): Promise<Sequence> {
  if (patch.emails) validateEmails(patch.emails);
  const window = patch.window !== undefined ? windowColumns(patch.window) : {};
  const timeZone = patch.time_zone !== undefined ? { timeZone: canonicalTimeZone(patch.time_zone) } : {};
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(sequences).where(eq(sequences.id, id)).for("update");
    if (!current) throw notFound("Sequence");
    const trigger = patch.trigger ? await validateTrigger(tx, patch.trigger) : {};
    const exit = patch.exit ? await validateExit(tx, patch.exit) : {};
    const [sequence] = await tx
      .update(sequences)
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.from !== undefined && { fromEmail: patch.from }),
        ...(patch.reenroll !== undefined && { reenroll: patch.reenroll }),
        ...trigger,
        ...exit,
        ...window,
        ...timeZone,
        updatedAt: now,
      })
      .where(eq(sequences.id, id))
      .returning();
    if (patch.emails) await replaceEmails(tx, { sequenceId: id, emails: patch.emails, continueCompleted: patch.continue_completed ?? false }, now);
    return sequence;
  });
}

async function replaceEmails(tx: DbOrTx, { sequenceId, emails, continueCompleted }: { sequenceId: string; emails: SequenceEmailInput[]; continueCompleted: boolean }, now: Date) {
  const existing = await listSequenceEmails(tx, sequenceId);
  const byId = new Map(existing.map((e) => [e.id, e]));
  const seen = new Set<string>();
  for (const [i, e] of emails.entries()) {
    if (!e.id) continue;
    if (!byId.has(e.id)) throw new AppError("validation_failed", `emails.${i}.id: not an email of this sequence`, { email: i });
    if (seen.has(e.id)) throw new AppError("validation_failed", `emails.${i}.id: listed twice`, { email: i });
    seen.add(e.id);
  }
  const lastKept = existing.filter((e) => seen.has(e.id)).reduce((max, e) => Math.max(max, e.position), 0);
  const lastExisting = existing.reduce((max, e) => Math.max(max, e.position), 0);
  // Appended = new emails after every email that existed (none deleted from the end meanwhile).
  const firstNewIndex = emails.findIndex((e) => !e.id);
  const appendsAtEnd = firstNewIndex >= 0 && emails.slice(firstNewIndex).every((e) => !e.id) && lastKept === lastExisting;

  // Positions move out of the way first (unique per sequence), then take their new places; deleted
  // emails keep negative positions, below every live one.
  await tx.execute(sql`update sequence_emails set position = -position - 1000000 where sequence_id = ${sequenceId}::uuid and deleted_at is null`);
  const deleted = existing.filter((e) => !seen.has(e.id));
  if (deleted.length) {
    const low = await tx.execute<{ low: number }>(sql`select coalesce(min(position), 0)::int as low from sequence_emails where sequence_id = ${sequenceId}::uuid and deleted_at is not null`);
    let next = Math.min(low.rows[0].low, -2000000) - 1;
    for (const e of deleted) {
      await tx.update(sequenceEmails).set({ deletedAt: now, updatedAt: now, position: next-- }).where(eq(sequenceEmails.id, e.id));
    }
  }
  const ids: string[] = [];
  for (const [i, e] of emails.entries()) {
    if (e.id) {
      await tx.update(sequenceEmails).set({ ...emailValues(e), position: i + 1, updatedAt: now }).where(eq(sequenceEmails.id, e.id));
      ids.push(e.id);
    } else {
      const [row] = await tx.insert(sequenceEmails).values({ sequenceId, position: i + 1, ...emailValues(e), createdAt: now, updatedAt: now }).returning({ id: sequenceEmails.id });
      ids.push(row.id);
    }
  }
  // Enrollments waiting for a deleted email move on to the next live one after it (in the old order),
  // due that email's delay after their anchor; with none left they complete.
  for (const gone of deleted) {
    const following = existing.filter((e) => e.position > gone.position && seen.has(e.id)).sort((a, b) => a.position - b.position)[0];
    if (following) {
      const f = emails.find((e) => e.id === following.id)!;
      await tx.execute(sql`
        update sequence_enrollments set next_email_id = ${following.id}::uuid,
          next_due_at = anchor_at + postline_sequence_delay(${f.delay.amount}, ${f.delay.unit}::sequence_delay_unit), updated_at = ${now.toISOString()}::timestamptz
        where next_email_id = ${gone.id}::uuid and status = 'active'`);
    } else {
      // Nothing after it survives: new emails appended after it, or completion.
      const firstNew = firstNewIndex >= 0 ? ids[firstNewIndex] : null;
      if (firstNew) {
        const f = emails[firstNewIndex];
        await tx.execute(sql`
          update sequence_enrollments set next_email_id = ${firstNew}::uuid,
            next_due_at = anchor_at + postline_sequence_delay(${f.delay.amount}, ${f.delay.unit}::sequence_delay_unit), updated_at = ${now.toISOString()}::timestamptz
          where next_email_id = ${gone.id}::uuid and status = 'active'`);
      } else {
        await completeWaitingFor(tx, gone.id, now);
      }
    }
  }
  // A changed delay moves the due time of those waiting for that email.
  for (const e of emails) {
    const before = e.id ? byId.get(e.id) : undefined;
    if (before && (before.delayAmount !== e.delay.amount || before.delayUnit !== e.delay.unit)) {
      await tx.execute(sql`
        update sequence_enrollments set next_due_at = anchor_at + postline_sequence_delay(${e.delay.amount}, ${e.delay.unit}::sequence_delay_unit), updated_at = ${now.toISOString()}::timestamptz
        where next_email_id = ${e.id}::uuid and status = 'active'`);
    }
  }
  if (continueCompleted && appendsAtEnd) {
    const f = emails[firstNewIndex];
    await tx.execute(sql`
      update sequence_enrollments set status = 'active', completed_at = null, next_email_id = ${ids[firstNewIndex]}::uuid, anchor_at = ${now.toISOString()}::timestamptz,
        next_due_at = ${now.toISOString()}::timestamptz + postline_sequence_delay(${f.delay.amount}, ${f.delay.unit}::sequence_delay_unit), updated_at = ${now.toISOString()}::timestamptz
      where sequence_id = ${sequenceId}::uuid and status = 'completed'
        and not exists (select 1 from sequence_enrollments a where a.sequence_id = ${sequenceId}::uuid and a.contact_id = sequence_enrollments.contact_id and a.status = 'active')`);
  }
}

async function completeWaitingFor(tx: DbOrTx, emailId: string, now: Date) {
  const done = await tx.execute<{ id: string }>(sql`
    update sequence_enrollments set status = 'completed', completed_at = ${now.toISOString()}::timestamptz, next_email_id = null, next_due_at = null, updated_at = ${now.toISOString()}::timestamptz
    where next_email_id = ${emailId}::uuid and status = 'active' returning id`);
  if (done.rows.length) await tx.execute(sql`select postline_sequence_events('Sequence.Completed', ${uuidArray(done.rows.map((r) => r.id))}, ${now.toISOString()}::timestamptz)`);
}

export const resumeSchema = z.strictObject({
  /** What becomes of emails that fell due while paused: spread over `spread_minutes` (default) or sent now. */
  due: z.enum(["spread", "send"], { error: "due is spread or send" }).optional(),
  spread_minutes: z.number().int().min(1, "spread_minutes is 1 to 10080").max(10_080, "spread_minutes is 1 to 10080").optional(),
});
export type ResumeOptions = z.infer<typeof resumeSchema>;

/**
 * Draft or paused → active. Resuming a paused sequence does not send everything that fell due at once
 * unless asked (`due: "send"`): by default those emails are spread evenly over `spread_minutes` (60).
 * A sequence a circuit breaker paused is resumed only by an admin (lib/deliverability/breakers.ts).
 */
export async function activateSequence(
  db: Db,
  { id, resume = {}, by }: { id: string; resume?: ResumeOptions; by: { role: Role; userId: string | null } },
  now: Date,
): Promise<Sequence> {
  return db.transaction(async (tx) => {
    const [s] = await tx.select().from(sequences).where(eq(sequences.id, id)).for("update");
    if (!s) throw notFound("Sequence");
    if (s.status === "active") return s;
    if (s.status === "paused") await resumeAfterBreaker(tx, { sequenceId: id }, by, now);
    const live = await listSequenceEmails(tx, id);
    if (live.length === 0) throw new AppError("no_emails", "A sequence needs at least one email");
    if (s.status === "paused" && (resume.due ?? "spread") === "spread") {
      const spreadMs = (resume.spread_minutes ?? 60) * 60_000;
      // Due ones in due order, each a step later: the n-th of N goes out at now + spread × n / N.
      await tx.execute(sql`
        with due as (
          select id, row_number() over (order by next_due_at, id) as n, count(*) over () as total
          from sequence_enrollments
          where sequence_id = ${id}::uuid and status = 'active' and next_due_at <= ${now.toISOString()}::timestamptz)
        update sequence_enrollments e
        set next_due_at = ${now.toISOString()}::timestamptz + make_interval(secs => ${spreadMs / 1000}::double precision * (due.n - 1) / due.total),
            updated_at = ${now.toISOString()}::timestamptz
        from due where e.id = due.id`);
    }
    const [updated] = await tx
      .update(sequences)
      .set({ status: "active", activatedAt: s.activatedAt ?? now, pausedAt: null, updatedAt: now })
      .where(eq(sequences.id, id))
      .returning();
    return updated;
  });
}

/** Active → paused: every enrollment holds where it is (the engine sends nothing of a paused sequence). */
export async function pauseSequence(db: DbOrTx, { id }: { id: string }, now: Date): Promise<Sequence> {
  const s = await getSequenceOrThrow(db, id);
  if (s.status === "paused") return s;
  if (s.status !== "active") throw new AppError("invalid_state", `Only an active sequence can be paused; this one is ${s.status}`);
  const [updated] = await db
    .update(sequences)
    .set({ status: "paused", pausedAt: now, updatedAt: now })
    .where(and(eq(sequences.id, id), eq(sequences.status, "active")))
    .returning();
  return updated ?? getSequenceOrThrow(db, id);
}

export type { SequenceStatus };
