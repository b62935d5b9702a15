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
 * make the table inconsistent. (A signup form post counts its limits inside its own statement,
 * postline_form_signup, so its hits commit with its signup, in the one flush it waits for anyway.)
 * Hence `Db`, not a transaction: the setting would cover a caller's whole transaction.
 */
export async function hitRateLimit(db: Db, limit: { key: string; rule: RateLimitRule }, now: Date): Promise<RateLimitState> {
  const [state] = await hitRateLimits(db, [limit], now);
  return state;
}

/**
 * Counts one hit on each of several limits in one statement (db/functions/postline_hit_rate_limits.sql:
 * rows taken in key order, so two callers naming the same keys never wait on each other in a cycle),
 * answering in the order asked.
 */
export async function hitRateLimits(db: Db, limits: { key: string; rule: RateLimitRule }[], now: Date): Promise<RateLimitState[]> {
  if (limits.length === 0) return [];
  const result = await db.execute<{ key: string; count: number; window_start: string }>(sql`
    select key, count, window_start, set_config('synchronous_commit', 'off', true) as asynchronous
    from postline_hit_rate_limits(${JSON.stringify(rateLimitHits(limits))}::jsonb, ${now.toISOString()}::timestamptz)`);
  return rateLimitStates(limits, result.rows);
}

/** The `hits` argument of postline_hit_rate_limits (db/functions): each key once, with its window. */
export function rateLimitHits(limits: { key: string; rule: RateLimitRule }[]): { key: string; window_ms: number }[] {
  return [...new Map(limits.map((l) => [l.key, l.rule.windowMs]))].map(([key, windowMs]) => ({ key, window_ms: windowMs }));
}

/** Each asked limit's state, in the order asked, from postline_hit_rate_limits's rows. */
export function rateLimitStates(limits: { key: string; rule: RateLimitRule }[], rows: { key: string; count: number; window_start: string | Date }[]): RateLimitState[] {
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return limits.map(({ key, rule }) => {
    const row = byKey.get(key)!;
    return { count: row.count, limited: row.count > rule.limit, resetAt: new Date(new Date(row.window_start).getTime() + rule.windowMs) };
  });
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
