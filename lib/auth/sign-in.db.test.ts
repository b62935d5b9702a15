import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createUser, setUserAccess } from "@/lib/users/users";
import { SIGN_IN_LIMITS, signInWithPassword } from "./sign-in";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("signInWithPassword (real PostgreSQL)", () => {
  it("signs in with the right password, case-insensitively on the address", async () => {
    await createUser(t.db, { email: "Ann@Example.com", password: "a-long-password", role: "marketer" });
    const result = await signInWithPassword(t.db, { email: "ann@example.COM", password: "a-long-password", ip: "10.0.0.1" }, new Date());
    expect(result).toMatchObject({ ok: true, user: { email: "Ann@Example.com", role: "marketer" } });
  });

  it("refuses a wrong password and an unknown address the same way", async () => {
    const wrong = await signInWithPassword(t.db, { email: "ann@example.com", password: "nope", ip: "10.0.0.2" }, new Date());
    const unknown = await signInWithPassword(t.db, { email: "nobody@example.com", password: "nope", ip: "10.0.0.2" }, new Date());
    expect(wrong).toEqual({ ok: false, reason: "invalid_credentials" });
    expect(unknown).toEqual({ ok: false, reason: "invalid_credentials" });
  });

  it("locks an address after repeated failures, even with the right password, until the window passes", async () => {
    await createUser(t.db, { email: "bob@example.com", password: "bobs-password", role: "admin" });
    const now = new Date("2026-01-01T10:00:00Z");
    for (let i = 0; i < SIGN_IN_LIMITS.perAddress.limit; i++) {
      await signInWithPassword(t.db, { email: "bob@example.com", password: "guess" + i, ip: `10.1.0.${i}` }, now);
    }
    const locked = await signInWithPassword(t.db, { email: "bob@example.com", password: "bobs-password", ip: "10.1.1.1" }, now);
    expect(locked).toEqual({ ok: false, reason: "rate_limited" });
    const later = new Date(now.getTime() + SIGN_IN_LIMITS.perAddress.windowMs + 1000);
    const after = await signInWithPassword(t.db, { email: "bob@example.com", password: "bobs-password", ip: "10.1.1.1" }, later);
    expect(after.ok).toBe(true);
  });

  it("limits one IP trying many addresses", async () => {
    const now = new Date("2026-01-02T10:00:00Z");
    for (let i = 0; i < SIGN_IN_LIMITS.perIp.limit; i++) {
      await signInWithPassword(t.db, { email: `spray${i}@example.com`, password: "x", ip: "10.9.9.9" }, now);
    }
    const result = await signInWithPassword(t.db, { email: "ann@example.com", password: "a-long-password", ip: "10.9.9.9" }, now);
    expect(result).toEqual({ ok: false, reason: "rate_limited" });
    // Another address from another IP is unaffected.
    const other = await signInWithPassword(t.db, { email: "ann@example.com", password: "a-long-password", ip: "10.9.9.10" }, now);
    expect(other.ok).toBe(true);
  }, 120_000);

  it("refuses a disabled account", async () => {
    const user = await createUser(t.db, { email: "carol@example.com", password: "carols-password", role: "marketer" });
    await setUserAccess(t.db, { id: user.id, disabled: true }, new Date());
    const result = await signInWithPassword(t.db, { email: "carol@example.com", password: "carols-password", ip: "10.0.0.3" }, new Date());
    expect(result).toEqual({ ok: false, reason: "disabled" });
  });

  it("lets at most the limit of 50 parallel wrong passwords for one address be checked", async () => {
    await createUser(t.db, { email: "dave@example.com", password: "daves-password", role: "marketer" });
    const now = new Date("2026-01-03T10:00:00Z");
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signInWithPassword(t.db, { email: "dave@example.com", password: `guess${i}`, ip: `10.3.${i}.1` }, now)),
    );
    expect(results.filter((r) => !r.ok && r.reason === "invalid_credentials")).toHaveLength(SIGN_IN_LIMITS.perAddress.limit);
    expect(results.filter((r) => !r.ok && r.reason === "rate_limited")).toHaveLength(50 - SIGN_IN_LIMITS.perAddress.limit);
  }, 120_000);

  it("lets at most the limit of 50 parallel attempts from one IP be checked", async () => {
    const now = new Date("2026-01-04T10:00:00Z");
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signInWithPassword(t.db, { email: `parallel${i}@example.com`, password: "x", ip: "10.4.4.4" }, now)),
    );
    expect(results.filter((r) => !r.ok && r.reason === "invalid_credentials")).toHaveLength(SIGN_IN_LIMITS.perIp.limit);
  }, 120_000);

  it("does not count a successful sign-in as a failure of its IP", async () => {
    await createUser(t.db, { email: "erin@example.com", password: "erins-password", role: "marketer" });
    const now = new Date("2026-01-05T10:00:00Z");
    const ip = "10.5.5.5";
    await Promise.all(Array.from({ length: SIGN_IN_LIMITS.perIp.limit - 1 }, (_, i) => signInWithPassword(t.db, { email: `miss${i}@example.com`, password: "x", ip }, now)));
    for (let i = 0; i < 3; i++) expect((await signInWithPassword(t.db, { email: "erin@example.com", password: "erins-password", ip }, now)).ok).toBe(true);
    // The IP's last failure before the limit is still checked, not refused.
    expect(await signInWithPassword(t.db, { email: "last@example.com", password: "x", ip }, now)).toEqual({ ok: false, reason: "invalid_credentials" });
    expect(await signInWithPassword(t.db, { email: "erin@example.com", password: "erins-password", ip }, now)).toEqual({ ok: false, reason: "rate_limited" });
  }, 120_000);
});

