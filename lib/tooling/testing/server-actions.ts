/**
 * Calling server actions (app/**\/actions.ts) from vitest. An action needs Next's request context only for
 * the session, revalidation and `after`; the test files replace exactly those modules (vi.mock, see
 * app/(dashboard)/campaigns/actions.db.test.ts) with the stand-ins here, and the action runs its real
 * parsing and its real lib/ calls against the file's own PostgreSQL.
 */
import type { Db } from "@/db";
import type { PublicUser } from "@/lib/users/users";

export const actionContext: { db: Db | null; user: PublicUser | null } = { db: null, user: null };

/** Replaces `@/lib/app/session`: the signed-in user is `actionContext.user`. */
export const sessionStandIn = {
  getCurrentUser: async () => actionContext.user,
  requireUser: async () => {
    if (!actionContext.user) throw new Error("no user signed in for this test");
    return actionContext.user;
  },
  requireAdmin: async () => {
    if (actionContext.user?.role !== "admin") throw new Error("the test's user is not an admin");
    return actionContext.user;
  },
};

/** Replaces `@/lib/app/deps`' database; the rest of the module is the real one. */
export function appDb(): Db {
  if (!actionContext.db) throw new Error("set actionContext.db in beforeAll");
  return actionContext.db;
}

/** A FormData from plain fields (arrays repeat the field). */
export function formOf(fields: Record<string, string | string[]>): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) form.append(k, one);
  return form;
}
