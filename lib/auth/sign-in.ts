import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { users, type Role } from "@/db/schema";
import { dummyPasswordHash, verifyPassword } from "@/lib/security/password";
import { clearRateLimit, hitRateLimit, refundRateLimit, type RateLimitRule } from "@/lib/rate-limit/rate-limit";
import { getUserByEmail } from "@/lib/users/users";
import { enqueueUserLoggedIn } from "@/lib/outbound-webhooks/outbox";

// Failed attempts only: a user who signs in often is never locked out by their own successes. Every
// attempt is counted before its password is hashed, and a right password gives its count back.
export const SIGN_IN_LIMITS = {
  perAddress: { limit: 5, windowMs: 15 * 60_000 } satisfies RateLimitRule,
  perIp: { limit: 30, windowMs: 15 * 60_000 } satisfies RateLimitRule,
};

export type SignInResult =
  | { ok: true; user: { id: string; email: string; name: string; role: Role } }
  | { ok: false; reason: "invalid_credentials" | "rate_limited" | "disabled" };

export async function signInWithPassword(
  db: Db,
  input: { email: string; password: string; ip: string },
  now: Date,
): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const addressKey = `signin:address:${email}`;
  const ipKey = `signin:ip:${input.ip}`;
  // Counted before the ~160 ms hash, one atomic upsert per key: parallel attempts each get their own
  // count, so no more than the limit are ever checked. (Reading the count first and adding to it after
  // the hash let every attempt that started inside the same 160 ms through.)
  const [byAddress, byIp] = await Promise.all([
    hitRateLimit(db, { key: addressKey, rule: SIGN_IN_LIMITS.perAddress }, now),
    hitRateLimit(db, { key: ipKey, rule: SIGN_IN_LIMITS.perIp }, now),
  ]);
  if (byAddress.limited || byIp.limited) return { ok: false, reason: "rate_limited" };

  const user = await getUserByEmail(db, email);
  // Hash even for an unknown address so the response time does not reveal which addresses exist.
  const valid = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !valid) return { ok: false, reason: "invalid_credentials" };
  if (user.disabledAt) {
    await Promise.all([refundRateLimit(db, addressKey), refundRateLimit(db, ipKey)]);
    return { ok: false, reason: "disabled" };
  }

  await Promise.all([
    clearRateLimit(db, addressKey),
    refundRateLimit(db, ipKey),
    db.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id)),
    enqueueUserLoggedIn(db, { user, ip: input.ip, at: now }),
  ]);
  return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}
