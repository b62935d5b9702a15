import { desc, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { postmarkSuppressionSyncs } from "@/db/schema";

/**
 * The suppressions part of `GET /api/v1/postmark/status`: the last sync (lib/postmark-admin/
 * suppression-sync.ts) and where Postline and Postmark disagree now, as counts and a few addresses:
 * - suppressed_in_postmark_only: Postmark suppresses the address (any stream) but the contact is
 *   subscribed in Postline: reactivated here after Postmark's suppression, and Postmark has not lifted
 *   it (a spam complaint, a recipient's own unsubscribe), or the lift is not applied yet;
 * - unsubscribed_in_postline_only: the contact is unsubscribed in Postline but the broadcast stream
 *   does not suppress the address: the push is pending (next cron run) or Postmark refused it.
 */
export interface SuppressionsStatus {
  last_sync: {
    started_at: string;
    finished_at: string | null;
    status: string;
    pulled: Record<string, number>;
    applied: number;
    pushed: number;
    push_failed: number;
    error: string | null;
  } | null;
  disagreements: {
    suppressed_in_postmark_only: { count: number; examples: { email: string; stream: string; reason: string; origin: string }[] };
    unsubscribed_in_postline_only: { count: number; examples: string[] };
  };
}

const EXAMPLES = 10;

export async function getSuppressionsStatus(db: DbOrTx, { broadcastStream }: { broadcastStream: string }): Promise<SuppressionsStatus> {
  const [last] = await db.select().from(postmarkSuppressionSyncs).orderBy(desc(postmarkSuppressionSyncs.id)).limit(1);
  const postmarkOnly = await db.execute<{ email: string; stream: string; reason: string; origin: string; total: number }>(sql`
    select p.email, p.stream, p.reason, p.origin, count(*) over ()::int as total
    from postmark_suppressions p join contacts c on lower(c.email) = p.email
    where c.status = 'subscribed'
    order by p.suppressed_at desc
    limit ${EXAMPLES}`);
  const postlineOnly = await db.execute<{ email: string; total: number }>(sql`
    select lower(c.email) as email, count(*) over ()::int as total
    from contacts c
    where c.status = 'unsubscribed'
      and not exists (select 1 from postmark_suppressions p where p.stream = ${broadcastStream} and p.email = lower(c.email))
    order by c.status_changed_at desc nulls last
    limit ${EXAMPLES}`);
  return {
    last_sync: last
      ? {
          started_at: last.startedAt.toISOString(),
          finished_at: last.finishedAt?.toISOString() ?? null,
          status: last.status,
          pulled: last.pulled,
          applied: last.applied,
          pushed: last.pushed,
          push_failed: last.pushFailed,
          error: last.error,
        }
      : null,
    disagreements: {
      suppressed_in_postmark_only: { count: postmarkOnly.rows[0]?.total ?? 0, examples: postmarkOnly.rows.map(({ total: _t, ...r }) => r) },
      unsubscribed_in_postline_only: { count: postlineOnly.rows[0]?.total ?? 0, examples: postlineOnly.rows.map((r) => r.email) },
    },
  };
}
