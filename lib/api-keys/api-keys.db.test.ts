import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createUser, setUserAccess } from "@/lib/users/users";
import { authenticateApiKey, createApiKey, ensureBootstrapApiKey, hashApiKey, revokeApiKey } from "./api-keys";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("API keys (real PostgreSQL)", () => {
  it("stores only a hash and the shown prefix, and authenticates the key", async () => {
    const { apiKey, key } = await createApiKey(t.db, { name: "CRM", role: "marketer" });
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, apiKey.id));
    expect(row.keyHash).toBe(hashApiKey(key));
    expect(JSON.stringify(row)).not.toContain(key);
    expect(key.startsWith(row.prefix)).toBe(true);
    const principal = await authenticateApiKey(t.db, { key }, new Date());
    expect(principal).toMatchObject({ apiKeyId: apiKey.id, role: "marketer" });
  });

  it("records last use at most once a minute", async () => {
    const { apiKey, key } = await createApiKey(t.db, { name: "Busy", role: "marketer" });
    const t0 = new Date("2026-03-01T00:00:00Z");
    await authenticateApiKey(t.db, { key }, t0);
    await authenticateApiKey(t.db, { key }, new Date(t0.getTime() + 30_000));
    let [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, apiKey.id));
    expect(row.lastUsedAt?.toISOString()).toBe(t0.toISOString());
    await authenticateApiKey(t.db, { key }, new Date(t0.getTime() + 61_000));
    [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, apiKey.id));
    expect(row.lastUsedAt!.getTime()).toBe(t0.getTime() + 61_000);
  });

  it("refuses unknown, malformed and revoked keys", async () => {
    const { apiKey, key } = await createApiKey(t.db, { name: "Old", role: "admin" });
    expect(await authenticateApiKey(t.db, { key: "pl_unknown" }, new Date())).toBeNull();
    expect(await authenticateApiKey(t.db, { key: "not-a-key" }, new Date())).toBeNull();
    await revokeApiKey(t.db, { id: apiKey.id }, new Date());
    expect(await authenticateApiKey(t.db, { key }, new Date())).toBeNull();
  });

  it("stops a key whose creator was disabled", async () => {
    // Another admin stays active: the last active admin can never be disabled.
    await createUser(t.db, { email: "stays@example.com", password: "0123456789", role: "admin" });
    const user = await createUser(t.db, { email: "gone@example.com", password: "0123456789", role: "admin" });
    const { key } = await createApiKey(t.db, { name: "Theirs", role: "admin", createdById: user.id });
    expect(await authenticateApiKey(t.db, { key }, new Date())).not.toBeNull();
    await setUserAccess(t.db, { id: user.id, disabled: true }, new Date());
    expect(await authenticateApiKey(t.db, { key }, new Date())).toBeNull();
  });

  it("makes the bootstrap key exist exactly once, as admin, and revives it if revoked", async () => {
    const key = "pl_bootstrap_" + "k".repeat(30);
    expect(await ensureBootstrapApiKey(t.db, key)).toEqual({ created: true });
    expect(await ensureBootstrapApiKey(t.db, key)).toEqual({ created: false });
    const rows = await t.db.select().from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(key)));
    expect(rows).toHaveLength(1);
    await revokeApiKey(t.db, { id: rows[0].id }, new Date());
    await ensureBootstrapApiKey(t.db, key);
    expect(await authenticateApiKey(t.db, { key }, new Date())).toMatchObject({ role: "admin" });
  });

  it("authenticates a bootstrap key of any printable form, not only Postline's own pl_ keys", async () => {
    for (const key of ["ci-automation-token-0123456789", "Zm9vYmFyYmF6cXV4cXV1eA==", "x".repeat(20)]) {
      await ensureBootstrapApiKey(t.db, key);
      expect(await authenticateApiKey(t.db, { key }, new Date())).toMatchObject({ role: "admin" });
    }
  });

  it("shows only a few characters of a bootstrap key, whose length the operator chose", async () => {
    const key = "short-but-valid-key-1";
    await ensureBootstrapApiKey(t.db, key);
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(key)));
    expect(row.prefix).toBe("shor");
  });
});
