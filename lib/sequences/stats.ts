/**
 * What a sequence did, per email (from its message rows: the same columns and counters ingestion keeps
 * for campaign mail) and per enrollment status. Read with the index on (sequence_email_id, status).
 */
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { uuidArray } from "@/lib/http/id";

export interface SequenceEmailStats {
  sent: number;
  delivered: number;
  openedHuman: number;
  clickedHuman: number;
  unsubscribed: number;
  bounced: number;
  complained: number;
  failed: number;
  suppressed: number;
  waiting: number;
}

export const ZERO_EMAIL_STATS: SequenceEmailStats = { sent: 0, delivered: 0, openedHuman: 0, clickedHuman: 0, unsubscribed: 0, bounced: 0, complained: 0, failed: 0, suppressed: 0, waiting: 0 };

/** Stats per sequence email id. */
export async function sequenceEmailStats(db: DbOrTx, emailIds: readonly string[]): Promise<Map<string, SequenceEmailStats>> {
  if (emailIds.length === 0) return new Map();
  const rows = await db.execute<{ id: string } & Record<string, number>>(sql`
    select sequence_email_id as id,
      count(*) filter (where sent_at is not null)::int as sent,
      count(*) filter (where delivered_at is not null or first_opened_at is not null or first_clicked_at is not null)::int as delivered,
      count(*) filter (where first_human_opened_at is not null)::int as opened_human,
      count(*) filter (where first_human_clicked_at is not null)::int as clicked_human,
      count(*) filter (where unsubscribed_at is not null or status = 'unsubscribed')::int as unsubscribed,
      count(*) filter (where bounced_at is not null or status = 'bounced')::int as bounced,
      count(*) filter (where complained_at is not null or status = 'spam_complaint')::int as complained,
      count(*) filter (where status = 'failed')::int as failed,
      count(*) filter (where status = 'suppressed')::int as suppressed,
      count(*) filter (where status in ('queued', 'sending'))::int as waiting
    from messages where sequence_email_id = any(${uuidArray(emailIds)})
    group by sequence_email_id`);
  return new Map(
    rows.rows.map((r) => [
      r.id as unknown as string,
      { sent: r.sent, delivered: r.delivered, openedHuman: r.opened_human, clickedHuman: r.clicked_human, unsubscribed: r.unsubscribed, bounced: r.bounced, complained: r.complained, failed: r.failed, suppressed: r.suppressed, waiting: r.waiting },
    ]),
  );
}

/** Enrollments by status. */
export async function enrollmentCounts(db: DbOrTx, sequenceId: string): Promise<{ active: number; completed: number; exited: number }> {
  const rows = await db.execute<{ status: string; n: number }>(sql`
    select status::text, count(*)::int as n from sequence_enrollments where sequence_id = ${sequenceId}::uuid group by status`);
  const out = { active: 0, completed: 0, exited: 0 };
  for (const r of rows.rows) out[r.status as keyof typeof out] = r.n;
  return out;
}
