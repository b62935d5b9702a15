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

export async function recordSuspiciousRequest(
  db: DbOrTx,
  input: SuspiciousRequestInput,
  now: Date = new Date(),
): Promise<SuspiciousRequest> {
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
  const conditions: SQL[] = [];
  if (filter.reason) conditions.push(eq(suspiciousRequests.reason, filter.reason));
  if (filter.ip) conditions.push(eq(suspiciousRequests.ip, filter.ip));
  if (filter.from) conditions.push(gte(suspiciousRequests.createdAt, filter.from));
  if (filter.to) conditions.push(lte(suspiciousRequests.createdAt, filter.to));
  if (filter.unacknowledgedOnly) conditions.push(isNull(suspiciousRequests.acknowledgedAt));
  if (filter.beforeId) conditions.push(sql`${suspiciousRequests.id} < ${filter.beforeId}`);
  return db
    .select()
    .from(suspiciousRequests)
    .where(and(...conditions))
    .orderBy(desc(suspiciousRequests.id))
    .limit(Math.min(filter.limit ?? 50, 500));
}
