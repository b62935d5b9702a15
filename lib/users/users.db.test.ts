import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { AppError } from "@/lib/errors";
import { countActiveAdmins, createUser, ensureFirstAdmin, listUsers } from "./users";

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
