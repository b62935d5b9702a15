/**
 * What a sequence did, per email (from its message rows: the same columns and counters ingestion keeps
 * for campaign mail), read with the index on (sequence_email_id, status). Enrollments by status are
 * counted with the sequences themselves (listSequences).
 */
import { and, asc, inArray, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { sequenceEmails } from "@/db/schema";
import { uuidArray } from "@/lib/http/id";

type SequenceEmail = typeof sequenceEmails.$inferSelect;

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

/** Counters over one email's messages (`m`), snake_case; statsFromRow turns a row of them into SequenceEmailStats. */
const STATS_COLUMNS = sql`
      count(*) filter (where m.sent_at is not null)::int as sent,
      count(*) filter (where m.delivered_at is not null or m.first_opened_at is not null or m.first_clicked_at is not null)::int as delivered,
      count(*) filter (where m.first_human_opened_at is not null)::int as opened_human,
      count(*) filter (where m.first_human_clicked_at is not null)::int as clicked_human,
      count(*) filter (where m.unsubscribed_at is not null or m.status = 'unsubscribed')::int as unsubscribed,
      count(*) filter (where m.bounced_at is not null or m.status = 'bounced')::int as bounced,
      count(*) filter (where m.complained_at is not null or m.status = 'spam_complaint')::int as complained,
      count(*) filter (where m.status = 'failed')::int as failed,
      count(*) filter (where m.status = 'suppressed')::int as suppressed,
      count(*) filter (where m.status in ('queued', 'sending'))::int as waiting`;

function statsFromRow(r: Record<string, unknown>): SequenceEmailStats {
  const n = (k: string) => Number(r[k] ?? 0);
  return { sent: n("sent"), delivered: n("delivered"), openedHuman: n("opened_human"), clickedHuman: n("clicked_human"), unsubscribed: n("unsubscribed"), bounced: n("bounced"), complained: n("complained"), failed: n("failed"), suppressed: n("suppressed"), waiting: n("waiting") };
}

/** Stats per sequence email id. */
export async function sequenceEmailStats(db: DbOrTx, emailIds: readonly string[]): Promise<Map<string, SequenceEmailStats>> {
  if (emailIds.length === 0) return new Map();
  const rows = await db.execute<{ id: string }>(sql`
    select m.sequence_email_id as id, ${STATS_COLUMNS}
    from messages m where m.sequence_email_id = any(${uuidArray(emailIds)})
    group by m.sequence_email_id`);
  return new Map(rows.rows.map((r) => [r.id, statsFromRow(r)]));
}

/**
 * The live emails of the given sequences (every sequence's when `sequenceIds` is null), in order, each
 * with its stats: one statement, each email's messages counted through the index on sequence_email_id.
 */
export async function emailsWithStats(db: DbOrTx, sequenceIds: readonly string[] | null): Promise<(SequenceEmail & { stats: SequenceEmailStats })[]> {
  const rows = await db
    .select({ e: sequenceEmails, st: sql<Record<string, number>>`to_jsonb(st)` })
    .from(sequenceEmails)
    .leftJoinLateral(sql`(select ${STATS_COLUMNS} from messages m where m.sequence_email_id = ${sequenceEmails.id}) st`, sql`true`)
    .where(and(isNull(sequenceEmails.deletedAt), sequenceIds ? inArray(sequenceEmails.sequenceId, [...sequenceIds]) : undefined))
    .orderBy(asc(sequenceEmails.sequenceId), asc(sequenceEmails.position));
  return rows.map((r) => ({ ...r.e, stats: statsFromRow(r.st ?? {}) }));
}
