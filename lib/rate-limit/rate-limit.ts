import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
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
 */
export async function hitRateLimit(db: DbOrTx, { key, rule }: { key: string; rule: RateLimitRule }, now: Date): Promise<RateLimitState> {
  const windowStartFloor = new Date(now.getTime() - rule.windowMs);
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStart: now, count: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`case when ${rateLimits.windowStart} <= ${windowStartFloor.toISOString()}::timestamptz then 1 else ${rateLimits.count} + 1 end`,
        windowStart: sql`case when ${rateLimits.windowStart} <= ${windowStartFloor.toISOString()}::timestamptz then ${now.toISOString()}::timestamptz else ${rateLimits.windowStart} end`,
      },
    })
    .returning({ count: rateLimits.count, windowStart: rateLimits.windowStart });
  return {
    count: row.count,
    limited: row.count > rule.limit,
    resetAt: new Date(row.windowStart.getTime() + rule.windowMs),
  };
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
