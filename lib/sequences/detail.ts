/** Sequences with everything their pages and the API show: emails in order with their stats, enrollments by status, exit reasons. */
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { notFound } from "@/lib/errors";
import { listSequences, type Sequence, type SequenceEmail } from "./sequences";
import { emailsWithStats, type SequenceEmailStats } from "./stats";

export interface SequenceDetail {
  sequence: Sequence;
  emails: (SequenceEmail & { stats: SequenceEmailStats })[];
  enrollments: { active: number; completed: number; exited: number };
  exitReasons: { reason: string; count: number }[];
}

/**
 * Every sequence (or those of `ids`), newest first, in full: two statements however many there are
 * (the sequences with their enrollment counts, then their emails with stats).
 */
export async function listSequenceDetails(db: DbOrTx, { ids }: { ids?: readonly string[] } = {}): Promise<SequenceDetail[]> {
  const summaries = await listSequences(db, { ids });
  if (summaries.length === 0) return [];
  const emails = await emailsWithStats(db, ids ? summaries.map((s) => s.id) : null);
  const bySequence = new Map<string, SequenceDetail["emails"]>();
  for (const e of emails) bySequence.set(e.sequenceId, [...(bySequence.get(e.sequenceId) ?? []), e]);
  return summaries.map(({ emailCount: _emails, active, completed, exited, exitReasons, ...sequence }) => ({
    sequence,
    emails: bySequence.get(sequence.id) ?? [],
    enrollments: { active, completed, exited },
    exitReasons,
  }));
}

export async function getSequenceDetail(db: DbOrTx, id: string): Promise<SequenceDetail> {
  const [detail] = await listSequenceDetails(db, { ids: [id] });
  if (!detail) throw notFound("Sequence");
  return detail;
}

/** What enrols, in words: "contacts tagged "VIP"", "by hand or through the API". */
export async function describeTrigger(db: DbOrTx, s: Pick<Sequence, "triggerType" | "triggerId">): Promise<string> {
  if (s.triggerType === "manual" || !s.triggerId) return "by hand or through the API";
  const table = s.triggerType === "form" ? sql`forms` : s.triggerType === "list" ? sql`lists` : sql`tags`;
  const r = await db.execute<{ name: string }>(sql`select name from ${table} where id = ${s.triggerId}::uuid`);
  const name = r.rows[0]?.name ?? "(deleted)";
  return s.triggerType === "form" ? `contacts confirmed through the form "${name}"` : s.triggerType === "list" ? `contacts who join the list "${name}"` : `contacts tagged "${name}"`;
}
