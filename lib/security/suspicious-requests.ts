import { createHash } from "node:crypto";
import { and, desc, eq, gte, isNull, lte, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { suspiciousRequests } from "@/db/schema";

export type SuspiciousRequest = typeof suspiciousRequests.$inferSelect;

const EXCERPT_CHARS = 200;

export interface SuspiciousRequestInput {
  route: string;
  ip: string;
  reason: string;
  userAgent?: string | null;
  /** Header names only; values can hold the very secret being guessed. */
  headerNames: string[];
  body?: Uint8Array | string | null;
}

/** Builds the stored record: a hash and a short printable excerpt of the body, never credentials. */
export function describeSuspiciousRequest(input: SuspiciousRequestInput) {
  const body = typeof input.body === "string" ? Buffer.from(input.body) : input.body ? Buffer.from(input.body) : null;
  return {
    route: input.route.slice(0, 200),
    ip: input.ip.slice(0, 64),
    reason: input.reason,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
    headerNames: [...new Set(input.headerNames.map((h) => h.toLowerCase().slice(0, 100)))].sort().slice(0, 64),
    bodySha256: body ? createHash("sha256").update(body).digest("hex") : null,
    // Control characters are replaced so an excerpt can be shown or logged safely.
    bodyExcerpt: body ? body.subarray(0, EXCERPT_CHARS * 4).toString("utf8").slice(0, EXCERPT_CHARS).replace(/[\u0000-\u001f\u007f]/g, "\uFFFD") : null,
    bodyBytes: body ? body.length : null,
  };
}

export async function recordSuspiciousRequest(db: DbOrTx, input: SuspiciousRequestInput, now: Date): Promise<SuspiciousRequest> {
  const [row] = await db
    .insert(suspiciousRequests)
    .values({ ...describeSuspiciousRequest(input), createdAt: now })
    .returning();
  return row;
}

export interface SuspiciousRequestFilter {
  reason?: string;
  ip?: string;
  from?: Date;
  to?: Date;
  unacknowledgedOnly?: boolean;
  beforeId?: number;
  limit?: number;
}

export async function listSuspiciousRequests(db: DbOrTx, filter: SuspiciousRequestFilter = {}) {
  const conditions = filterSql(filter);
  if (filter.beforeId) conditions.push(sql`${suspiciousRequests.id} < ${filter.beforeId}`);
  return db
    .select()
    .from(suspiciousRequests)
    .where(and(...conditions))
    .orderBy(desc(suspiciousRequests.id))
    .limit(Math.min(filter.limit ?? 50, 500));
}

function filterSql(filter: SuspiciousRequestFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.reason) conditions.push(eq(suspiciousRequests.reason, filter.reason));
  if (filter.ip) conditions.push(eq(suspiciousRequests.ip, filter.ip));
  if (filter.from) conditions.push(gte(suspiciousRequests.createdAt, filter.from));
  if (filter.to) conditions.push(lte(suspiciousRequests.createdAt, filter.to));
  if (filter.unacknowledgedOnly) conditions.push(isNull(suspiciousRequests.acknowledgedAt));
  return conditions;
}

/** Counts per hour and reason, for the Security page's chart. */
export async function countSuspiciousByHour(db: DbOrTx, filter: SuspiciousRequestFilter) {
  return db
    .select({
      hour: sql<string>`to_char(date_trunc('hour', ${suspiciousRequests.createdAt} at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:00:00"Z"')`,
      reason: suspiciousRequests.reason,
      n: sql<number>`count(*)::int`,
    })
    .from(suspiciousRequests)
    .where(and(...filterSql(filter)))
    .groupBy(sql`1`, suspiciousRequests.reason)
    .orderBy(sql`1`);
}

/** The sources with the most failed checks, with the reasons seen from each. */
export async function topSuspiciousSources(db: DbOrTx, { filter, limit = 10 }: { filter: SuspiciousRequestFilter; limit?: number }) {
  return db
    .select({
      ip: suspiciousRequests.ip,
      n: sql<number>`count(*)::int`,
      reasons: sql<string[]>`array_agg(distinct ${suspiciousRequests.reason})`,
      lastSeen: sql<Date>`max(${suspiciousRequests.createdAt})`,
    })
    .from(suspiciousRequests)
    .where(and(...filterSql(filter)))
    .groupBy(suspiciousRequests.ip)
    .orderBy(sql`2 desc`)
    .limit(limit);
}

export async function listSuspiciousReasons(db: DbOrTx): Promise<string[]> {
  const rows = await db.selectDistinct({ reason: suspiciousRequests.reason }).from(suspiciousRequests).orderBy(suspiciousRequests.reason);
  return rows.map((r) => r.reason);
}

/** Marks every unacknowledged record matching the filter as reviewed by this admin. */
export async function acknowledgeSuspiciousRequests(
  db: DbOrTx,
  { filter, userId }: { filter: SuspiciousRequestFilter; userId: string },
  now: Date,
): Promise<number> {
  const rows = await db
    .update(suspiciousRequests)
    .set({ acknowledgedAt: now, acknowledgedById: userId })
    .where(and(...filterSql({ ...filter, unacknowledgedOnly: true })))
    .returning({ id: suspiciousRequests.id });
  return rows.length;
}
