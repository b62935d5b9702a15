import { eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db";
import { rateLimits } from "@/db/schema";

export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

export interface RateLimitState {
  count: number;
  limited: boolean;
  resetAt: Date;
}

/**
 * Counts one hit in a fixed window kept in PostgreSQL (every app instance shares it) and says whether
 * the caller is now over the limit. One statement: the upsert either continues the window or restarts it.
 *
 * Committed asynchronously (`synchronous_commit = off` for that statement's own transaction): the
 * answer does not wait for the WAL to reach the disk. A count is protection, not a record; a crash of
 * the database can lose the last fraction of a second of hits (what `wal_writer_delay` holds), never
 * make the table inconsistent. Waiting for that flush doubled what a signup form post waits on the
 * disk (two commits a post), and on this machine's disk the flushes were the form's limit (bench:audience
 * forms). Hence `Db`, not a transaction: the setting would cover a caller's whole transaction.
 */
export async function hitRateLimit(db: Db, limit: { key: string; rule: RateLimitRule }, now: Date): Promise<RateLimitState> {
  const [state] = await hitRateLimits(db, [limit], now);
  return state;
}

/**
 * Counts one hit on each of several limits in one statement (a request checked per source and per
 * address), answering in the order asked. Rows are taken in key order, so two callers naming the same
 * keys never wait on each other in a cycle.
 */
export async function hitRateLimits(db: Db, limits: { key: string; rule: RateLimitRule }[], now: Date): Promise<RateLimitState[]> {
  if (limits.length === 0) return [];
  const sorted = [...new Set(limits.map((l) => l.key))].sort();
  // Each key's window length travels with it, so one statement serves rules of different windows.
  const windowOf = new Map(limits.map((l) => [l.key, l.rule.windowMs]));
  const rows = await db
    .insert(rateLimits)
    .values(sorted.map((key) => ({ key, windowStart: now, count: 1 })))
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`case when ${rateLimits.windowStart} <= ${now.toISOString()}::timestamptz - ${windowOfSql(windowOf)} then 1 else ${rateLimits.count} + 1 end`,
        windowStart: sql`case when ${rateLimits.windowStart} <= ${now.toISOString()}::timestamptz - ${windowOfSql(windowOf)} then ${now.toISOString()}::timestamptz else ${rateLimits.windowStart} end`,
      },
    })
    // set_config(…, true) lasts until this statement's transaction commits, and decides how it commits.
    .returning({ key: rateLimits.key, count: rateLimits.count, windowStart: rateLimits.windowStart, asynchronous: sql<string>`set_config('synchronous_commit', 'off', true)` });
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return limits.map(({ key, rule }) => {
    const row = byKey.get(key)!;
    return { count: row.count, limited: row.count > rule.limit, resetAt: new Date(row.windowStart.getTime() + rule.windowMs) };
  });
}

/** The window of the row being updated, as an interval: one key's window, or a lookup by key. */
function windowOfSql(windowOf: Map<string, number>) {
  const entries = [...windowOf];
  if (entries.length === 1) return sql`${entries[0][1]} * interval '1 millisecond'`;
  return sql`(case ${rateLimits.key} ${sql.join(entries.map(([k, ms]) => sql`when ${k} then ${ms} * interval '1 millisecond'`), sql` `)} end)`;
}

/**
 * Gives one hit back: for checks that count an attempt before its outcome is known (so parallel
 * attempts cannot all pass a read-then-count check) and then learn it was not a failure.
 */
export async function refundRateLimit(db: DbOrTx, key: string): Promise<void> {
  await db
    .update(rateLimits)
    .set({ count: sql`greatest(${rateLimits.count} - 1, 0)` })
    .where(eq(rateLimits.key, key));
}

export async function clearRateLimit(db: DbOrTx, key: string): Promise<void> {
  await db.delete(rateLimits).where(eq(rateLimits.key, key));
}
