import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { users, type Role } from "@/db/schema";
import { AppError, isUniqueViolation, notFound } from "@/lib/errors";
import { hashPassword } from "@/lib/security/password";

export type User = typeof users.$inferSelect;
export type PublicUser = Omit<User, "passwordHash">;

const publicColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  timeZone: users.timeZone,
  disabledAt: users.disabledAt,
  lastSignInAt: users.lastSignInAt,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
};

export async function getUserByEmail(db: DbOrTx, email: string): Promise<User | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email.trim()})`)
    .limit(1);
  return row ?? null;
}

export async function getUser(db: DbOrTx, id: string): Promise<PublicUser | null> {
  const [row] = await db.select(publicColumns).from(users).where(eq(users.id, id)).limit(1);
  return row ?? null;
}

export async function listUsers(db: DbOrTx): Promise<PublicUser[]> {
  return db.select(publicColumns).from(users).orderBy(asc(users.createdAt));
}

export interface CreateUserInput {
  email: string;
  name?: string;
  password: string;
  role: Role;
}

export async function createUser(db: DbOrTx, input: CreateUserInput): Promise<PublicUser> {
  if (input.password.length < 10) {
    throw new AppError("weak_password", "Passwords need at least 10 characters");
  }
  try {
    const [row] = await db
      .insert(users)
      .values({
        email: input.email.trim(),
        name: input.name?.trim() ?? "",
        role: input.role,
        passwordHash: await hashPassword(input.password),
      })
      .returning(publicColumns);
    return row;
  } catch (error) {
    if (isUniqueViolation(error, "users_email_lower_key")) {
      throw new AppError("email_taken", `A user with the address ${input.email} already exists`);
    }
    throw error;
  }
}

/**
 * The one way a user's role or disabled state changes, so the rule holds for every caller: Postline
 * always keeps an active admin. Count and update are one transaction that first locks every active
 * admin's row (in id order, so two changes cannot deadlock): two admins disabling each other at once
 * are serialized, and the second one's count already sees the first one's change. Disabling keeps the
 * row (history, audit) but every session and check refuses the user at once.
 */
export async function setUserAccess(db: DbOrTx, input: { id: string; disabled?: boolean; role?: Role }, now: Date): Promise<PublicUser> {
  const { id } = input;
  const change = {
    ...(input.disabled === undefined ? {} : { disabledAt: input.disabled ? now : null }),
    ...(input.role === undefined ? {} : { role: input.role }),
  };
  return db.transaction(async (tx) => {
    const activeAdmins = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, "admin"), isNull(users.disabledAt)))
      .orderBy(asc(users.id))
      .for("update");
    const [target] = await tx.select({ role: users.role, disabledAt: users.disabledAt }).from(users).where(eq(users.id, id)).for("update");
    if (!target) throw notFound("User");
    const staysActiveAdmin = (change.role ?? target.role) === "admin" && (change.disabledAt === undefined ? target.disabledAt : change.disabledAt) === null;
    if (!staysActiveAdmin && activeAdmins.length === 1 && activeAdmins[0].id === id) {
      throw new AppError("last_admin", "Postline needs at least one active admin");
    }
    const [row] = await tx
      .update(users)
      .set({ ...change, updatedAt: now })
      .where(eq(users.id, id))
      .returning(publicColumns);
    return row;
  });
}

/**
 * Creates the first admin when the database has no user at all. Returns whether it created one.
 * Safe when several processes start together: the unique index on lower(email) decides.
 */
export async function ensureFirstAdmin(
  db: DbOrTx,
  input: { email: string; password: string },
): Promise<{ created: boolean }> {
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  if (n > 0) return { created: false };
  try {
    await createUser(db, { email: input.email, password: input.password, role: "admin", name: "Admin" });
    return { created: true };
  } catch (error) {
    if (error instanceof AppError && error.code === "email_taken") return { created: false };
    throw error;
  }
}
