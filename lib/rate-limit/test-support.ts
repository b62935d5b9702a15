import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { rateLimits } from "@/db/schema";
import type { RateLimitRule, RateLimitState } from "./rate-limit";

/** Reads a window without counting: what tests use to see a window's count. */
export async function peekRateLimit(db: DbOrTx, { key, rule }: { key: string; rule: RateLimitRule }, now: Date): Promise<RateLimitState> {
  const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, key)).limit(1);
  if (!row || row.windowStart.getTime() <= now.getTime() - rule.windowMs) {
    return { count: 0, limited: false, resetAt: now };
  }
  return {
    count: row.count,
    limited: row.count >= rule.limit,
    resetAt: new Date(row.windowStart.getTime() + rule.windowMs),
  };
}
