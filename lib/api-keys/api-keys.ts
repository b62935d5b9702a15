import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { apiKeys, users, type Role } from "@/db/schema";
import { notFound } from "@/lib/errors";

export type ApiKey = Omit<typeof apiKeys.$inferSelect, "keyHash">;

const KEY_PREFIX = "pl_";
const SHOWN_PREFIX_LENGTH = 11; // "pl_" plus 8 of its 43 random characters
// BOOTSTRAP_API_KEY may be as short as 20 characters of the operator's choosing: show far less of it.
const SHOWN_BOOTSTRAP_PREFIX_LENGTH = 4;

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString("base64url");
}

const publicColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  role: apiKeys.role,
  createdById: apiKeys.createdById,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
  createdAt: apiKeys.createdAt,
};

/** Returns the key itself exactly once; only its hash is stored. */
export async function createApiKey(
  db: DbOrTx,
  input: { name: string; role: Role; createdById?: string | null; key?: string },
): Promise<{ apiKey: ApiKey; key: string }> {
  const key = input.key ?? generateApiKey();
  const [apiKey] = await db
    .insert(apiKeys)
    .values({
      name: input.name.trim(),
      role: input.role,
      prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
      keyHash: hashApiKey(key),
      createdById: input.createdById ?? null,
    })
    .returning(publicColumns);
  return { apiKey, key };
}

/** `BOOTSTRAP_API_KEY`: an admin key with exactly this value exists (and is not revoked). */
export async function ensureBootstrapApiKey(db: DbOrTx, key: string): Promise<{ created: boolean }> {
  const rows = await db
    .insert(apiKeys)
    .values({
      name: "Bootstrap key (BOOTSTRAP_API_KEY)",
      role: "admin",
      prefix: key.slice(0, SHOWN_BOOTSTRAP_PREFIX_LENGTH),
      keyHash: hashApiKey(key),
    })
    .onConflictDoUpdate({ target: apiKeys.keyHash, set: { revokedAt: null, role: "admin", prefix: key.slice(0, SHOWN_BOOTSTRAP_PREFIX_LENGTH) } })
    .returning({ inserted: sql<boolean>`xmax = 0` });
  return { created: rows[0]?.inserted ?? false };
}

export async function listApiKeys(db: DbOrTx): Promise<ApiKey[]> {
  return db.select(publicColumns).from(apiKeys).orderBy(desc(apiKeys.createdAt));
}

export async function revokeApiKey(db: DbOrTx, { id }: { id: string }, now: Date): Promise<ApiKey> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning(publicColumns);
  if (row) return row;
  const [existing] = await db.select(publicColumns).from(apiKeys).where(eq(apiKeys.id, id));
  if (!existing) throw notFound("API key");
  return existing;
}

export interface ApiPrincipal {
  kind: "api_key";
  apiKeyId: string;
  role: Role;
  userId: string | null;
}

/**
 * Finds the live key for a presented secret. A key made by a user who is now disabled stops working.
 * last_used_at is written at most once a minute per key, so busy clients do not turn reads into writes.
 */
export async function authenticateApiKey(db: DbOrTx, { key: presented }: { key: string }, now: Date): Promise<ApiPrincipal | null> {
  // Looked up by hash, so any form can be a key: Postline's own are `pl_…`, BOOTSTRAP_API_KEY is whatever
  // the operator chose. Only the length is bounded, so a huge header is not hashed.
  if (presented.length > 200) return null;
  const [row] = await db
    .select({ id: apiKeys.id, role: apiKeys.role, createdById: apiKeys.createdById, lastUsedAt: apiKeys.lastUsedAt, userDisabledAt: users.disabledAt })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdById))
    .where(and(eq(apiKeys.keyHash, hashApiKey(presented)), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row || row.userDisabledAt) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(now.getTime() - 60_000)))));
  }
  return { kind: "api_key", apiKeyId: row.id, role: row.role, userId: row.createdById };
}
