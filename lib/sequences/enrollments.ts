/**
 * Enrolling contacts and taking them out. Forms, lists and tags enrol through the database's triggers
 * (db/functions/postline_sequences_*.sql), in the transaction of the change that triggers them; here
 * is the manual way (the dashboard, the API), which answers a clear error instead of skipping.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { contacts, sequenceEmails, sequenceEnrollments, sequences } from "@/db/schema";
import { AppError, notFound } from "@/lib/errors";

export type Enrollment = typeof sequenceEnrollments.$inferSelect;

/**
 * Enrols one contact by hand. Refused: an unknown contact (404), one not subscribed
 * (`contact_pending` before confirming, `contact_suppressed` once unsubscribed, bounced or complained),
 * one already enrolled (`already_enrolled`: active now, or ever when the sequence enrols once), a draft
 * sequence (`invalid_state`: activate it first). A paused sequence takes the enrollment; it waits.
 */
export async function enrollContact(db: DbOrTx, { sequenceId, contactId }: { sequenceId: string; contactId: string }, now: Date): Promise<Enrollment> {
  const [s] = await db.select().from(sequences).where(eq(sequences.id, sequenceId)).for("share");
  if (!s) throw notFound("Sequence");
  if (s.status === "draft") throw new AppError("invalid_state", "This sequence is a draft: activate it before enrolling contacts");
  const [c] = await db.select({ id: contacts.id, status: contacts.status }).from(contacts).where(eq(contacts.id, contactId)).for("share");
  if (!c) throw notFound("Contact");
  if (c.status === "pending") throw new AppError("contact_pending", "This contact has not confirmed their signup yet; it can be enrolled once confirmed");
  if (c.status !== "subscribed") throw new AppError("contact_suppressed", `This contact is ${c.status} and cannot receive a sequence`);
  const [earlier] = await db
    .select({ status: sequenceEnrollments.status })
    .from(sequenceEnrollments)
    .where(and(eq(sequenceEnrollments.sequenceId, sequenceId), eq(sequenceEnrollments.contactId, contactId)))
    .orderBy(sql`${sequenceEnrollments.status} = 'active' desc`)
    .limit(1);
  if (earlier?.status === "active") throw new AppError("already_enrolled", "This contact is already enrolled in this sequence");
  if (earlier && !s.reenroll) throw new AppError("already_enrolled", "This contact was enrolled in this sequence before, and it enrols each contact once");
  const ids = await db.execute<{ ids: string[] }>(sql`
    select postline_sequences_enroll(${JSON.stringify([{ sequence_id: sequenceId, contact_id: contactId }])}::jsonb, ${now.toISOString()}::timestamptz) as ids`);
  const id = ids.rows[0].ids[0];
  // A concurrent enrolment won the unique key between the check and the insert.
  if (!id) throw new AppError("already_enrolled", "This contact is already enrolled in this sequence");
  const [row] = await db.select().from(sequenceEnrollments).where(eq(sequenceEnrollments.id, id));
  return row;
}

/** Takes a contact out of a sequence (reason `removed`); 404 when it has no active enrollment there. */
export async function removeEnrollment(db: DbOrTx, { sequenceId, contactId }: { sequenceId: string; contactId: string }, now: Date): Promise<Enrollment> {
  const [active] = await db
    .select({ id: sequenceEnrollments.id })
    .from(sequenceEnrollments)
    .where(and(eq(sequenceEnrollments.sequenceId, sequenceId), eq(sequenceEnrollments.contactId, contactId), eq(sequenceEnrollments.status, "active")));
  if (!active) throw notFound("Active enrollment");
  await exitEnrollments(db, { ids: [active.id], reason: "removed" }, now);
  const [row] = await db.select().from(sequenceEnrollments).where(eq(sequenceEnrollments.id, active.id));
  return row;
}

/** Exits active enrollments with a reason (Sequence.Exited), in the caller's transaction. */
export async function exitEnrollments(db: DbOrTx, { ids, reason }: { ids: string[]; reason: string }, now: Date): Promise<string[]> {
  if (ids.length === 0) return [];
  const r = await db.execute<{ ids: string[] }>(sql`select postline_sequences_exit(${`{${ids.join(",")}}`}::uuid[], ${reason}, ${now.toISOString()}::timestamptz) as ids`);
  return r.rows[0].ids;
}

export interface EnrollmentRow extends Enrollment {
  email: string;
  name: string;
  nextSubject: string | null;
  nextPosition: number | null;
}

/** A sequence's enrollments, newest first, optionally of one status. */
export async function listEnrollments(db: DbOrTx, { sequenceId, status, limit = 100 }: { sequenceId: string; status?: Enrollment["status"]; limit?: number }): Promise<EnrollmentRow[]> {
  const rows = await db
    .select({ e: sequenceEnrollments, email: contacts.email, name: contacts.name, nextSubject: sequenceEmails.subject, nextPosition: sequenceEmails.position })
    .from(sequenceEnrollments)
    .innerJoin(contacts, eq(contacts.id, sequenceEnrollments.contactId))
    .leftJoin(sequenceEmails, eq(sequenceEmails.id, sequenceEnrollments.nextEmailId))
    .where(and(eq(sequenceEnrollments.sequenceId, sequenceId), status ? eq(sequenceEnrollments.status, status) : undefined))
    .orderBy(desc(sequenceEnrollments.enrolledAt), desc(sequenceEnrollments.id))
    .limit(Math.min(Math.max(limit, 1), 500));
  return rows.map((r) => ({ ...r.e, email: r.email, name: r.name, nextSubject: r.nextSubject, nextPosition: r.nextPosition }));
}

/** A contact's enrollments with their sequences' names, newest first (the contact page). */
export async function listContactEnrollments(db: DbOrTx, contactId: string) {
  return db
    .select({ e: sequenceEnrollments, sequenceName: sequences.name, nextSubject: sequenceEmails.subject, emailCount: sql<number>`(select count(*)::int from sequence_emails x where x.sequence_id = ${sequences.id} and x.deleted_at is null)` })
    .from(sequenceEnrollments)
    .innerJoin(sequences, eq(sequences.id, sequenceEnrollments.sequenceId))
    .leftJoin(sequenceEmails, eq(sequenceEmails.id, sequenceEnrollments.nextEmailId))
    .where(eq(sequenceEnrollments.contactId, contactId))
    .orderBy(desc(sequenceEnrollments.enrolledAt));
}

/** Enrols by address (the dashboard's form): `not_found` when no contact has it. */
export async function enrollContactByEmail(db: DbOrTx, { sequenceId, email }: { sequenceId: string; email: string }, now: Date): Promise<Enrollment> {
  const [c] = await db.select({ id: contacts.id }).from(contacts).where(sql`lower(${contacts.email}) = lower(${email})`).limit(1);
  if (!c) throw new AppError("not_found", "No contact has this address");
  return enrollContact(db, { sequenceId, contactId: c.id }, now);
}
