import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { AppError } from "@/lib/errors";
import { eq } from "drizzle-orm";
import { users } from "@/db/schema";
import { countActiveAdmins, createUser, ensureFirstAdmin, listUsers, setUserDisabled, setUserRole } from "./users";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("users (real PostgreSQL)", () => {
  it("creates the first admin once, even when asked concurrently", async () => {
    const results = await Promise.all([
      ensureFirstAdmin(t.db, { email: "admin@example.com", password: "first-admin-pw" }),
      ensureFirstAdmin(t.db, { email: "admin@example.com", password: "first-admin-pw" }),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await ensureFirstAdmin(t.db, { email: "other@example.com", password: "first-admin-pw" })).toEqual({ created: false });
    const users = await listUsers(t.db);
    expect(users.map((u) => [u.email, u.role])).toEqual([["admin@example.com", "admin"]]);
    expect(await countActiveAdmins(t.db)).toBe(1);
  });

  it("treats addresses case-insensitively (the unique index decides, not the code)", async () => {
    await createUser(t.db, { email: "Mixed@Example.com", password: "0123456789", role: "marketer" });
    await expect(createUser(t.db, { email: "mixed@example.COM", password: "0123456789", role: "marketer" })).rejects.toMatchObject({ code: "email_taken", status: 409 });
  });

  it("refuses short passwords with a clear error", async () => {
    await expect(createUser(t.db, { email: "short@example.com", password: "123", role: "marketer" })).rejects.toBeInstanceOf(AppError);
  });
});

describe("the last active admin (real PostgreSQL)", () => {
  let round = 0;
  /** A fresh set of admins: every other admin is disabled first, so these are the only active ones. */
  async function onlyAdmins(count: number) {
    await t.db.update(users).set({ disabledAt: new Date() }).where(eq(users.role, "admin"));
    round++;
    // Inserted directly: hashing a password per admin would only slow the rounds down.
    const rows = Array.from({ length: count }, (_, i) => ({ email: `admin${i}.r${round}@last-admin.test`, role: "admin" as const, passwordHash: "unused" }));
    return t.db.insert(users).values(rows).returning({ id: users.id });
  }

  it("is never disabled nor demoted, and a marketer or a disabled admin still can be", async () => {
    const [admin] = await onlyAdmins(1);
    await expect(setUserDisabled(t.db, admin.id, true)).rejects.toMatchObject({ code: "last_admin", status: 409 });
    await expect(setUserRole(t.db, admin.id, "marketer")).rejects.toMatchObject({ code: "last_admin", status: 409 });
    expect(await countActiveAdmins(t.db)).toBe(1);
    const marketer = await createUser(t.db, { email: `m.r${round}@last-admin.test`, password: "0123456789", role: "marketer" });
    expect((await setUserDisabled(t.db, marketer.id, true)).disabledAt).not.toBeNull();
    const second = await createUser(t.db, { email: `second.r${round}@last-admin.test`, password: "0123456789", role: "admin" });
    expect((await setUserRole(t.db, second.id, "marketer")).role).toBe("marketer");
    expect((await setUserRole(t.db, second.id, "admin")).role).toBe("admin");
    expect((await setUserDisabled(t.db, admin.id, true)).disabledAt).not.toBeNull();
    expect((await setUserDisabled(t.db, admin.id, false)).disabledAt).toBeNull();
  });

  it("survives admins disabling and demoting each other at once: exactly one stays active", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const admins = await onlyAdmins(4);
      const results = await Promise.allSettled(
        admins.map((a, i) => (i % 2 === 0 ? setUserDisabled(t.db, a.id, true) : setUserRole(t.db, a.id, "marketer"))),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
      const refused = results.filter((r) => r.status === "rejected");
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: "last_admin" });
      expect(await countActiveAdmins(t.db)).toBe(1);
    }
  });
});

