import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { AppError } from "@/lib/errors";
import { eq } from "drizzle-orm";
import { users } from "@/db/schema";
import { createUser, ensureFirstAdmin, listUsers, setUserAccess } from "./users";
import { countActiveAdmins } from "./test-support";

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
    await expect(setUserAccess(t.db, { id: admin.id, disabled: true }, new Date())).rejects.toMatchObject({ code: "last_admin", status: 409 });
    await expect(setUserAccess(t.db, { id: admin.id, role: "marketer" }, new Date())).rejects.toMatchObject({ code: "last_admin", status: 409 });
    expect(await countActiveAdmins(t.db)).toBe(1);
    const marketer = await createUser(t.db, { email: `m.r${round}@last-admin.test`, password: "0123456789", role: "marketer" });
    const then = new Date("2031-05-06T07:08:09Z");
    expect(await setUserAccess(t.db, { id: marketer.id, disabled: true }, then)).toMatchObject({ disabledAt: then, updatedAt: then });
    const second = await createUser(t.db, { email: `second.r${round}@last-admin.test`, password: "0123456789", role: "admin" });
    expect((await setUserAccess(t.db, { id: second.id, role: "marketer" }, new Date())).role).toBe("marketer");
    expect((await setUserAccess(t.db, { id: second.id, role: "admin" }, new Date())).role).toBe("admin");
    expect((await setUserAccess(t.db, { id: admin.id, disabled: true }, new Date())).disabledAt).not.toBeNull();
    expect((await setUserAccess(t.db, { id: admin.id, disabled: false }, new Date())).disabledAt).toBeNull();
  });

  it("survives admins disabling and demoting each other at once: exactly one stays active", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const admins = await onlyAdmins(4);
      const results = await Promise.allSettled(
        admins.map((a, i) => (i % 2 === 0 ? setUserAccess(t.db, { id: a.id, disabled: true }, new Date()) : setUserAccess(t.db, { id: a.id, role: "marketer" }, new Date()))),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
      const refused = results.filter((r) => r.status === "rejected");
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: "last_admin" });
      expect(await countActiveAdmins(t.db)).toBe(1);
    }
  });
});

