/** A sequence with everything its page and the API show: emails in order with their stats, enrollments by status, exit reasons. */
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { countExitReasons } from "./enrollments";
import { getSequenceOrThrow, listSequenceEmails, type Sequence, type SequenceEmail } from "./sequences";
import { enrollmentCounts, sequenceEmailStats, ZERO_EMAIL_STATS, type SequenceEmailStats } from "./stats";

export interface SequenceDetail {
  sequence: Sequence;
  emails: (SequenceEmail & { stats: SequenceEmailStats })[];
  enrollments: { active: number; completed: number; exited: number };
  exitReasons: { reason: string; count: number }[];
}

export async function getSequenceDetail(db: DbOrTx, id: string): Promise<SequenceDetail> {
  const sequence = await getSequenceOrThrow(db, id);
  const emails = await listSequenceEmails(db, id);
  const [stats, enrollments, exitReasons] = await Promise.all([sequenceEmailStats(db, emails.map((e) => e.id)), enrollmentCounts(db, id), countExitReasons(db, id)]);
  return { sequence, emails: emails.map((e) => ({ ...e, stats: stats.get(e.id) ?? ZERO_EMAIL_STATS })), enrollments, exitReasons };
}

/** What enrols, in words: "contacts tagged "VIP"", "by hand or through the API". */
export async function describeTrigger(db: DbOrTx, s: Pick<Sequence, "triggerType" | "triggerId">): Promise<string> {
  if (s.triggerType === "manual" || !s.triggerId) return "by hand or through the API";
  const table = s.triggerType === "form" ? sql`forms` : s.triggerType === "list" ? sql`lists` : sql`tags`;
  const r = await db.execute<{ name: string }>(sql`select name from ${table} where id = ${s.triggerId}::uuid`);
  const name = r.rows[0]?.name ?? "(deleted)";
  return s.triggerType === "form" ? `contacts confirmed through the form "${name}"` : s.triggerType === "list" ? `contacts who join the list "${name}"` : `contacts tagged "${name}"`;
}
