import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { hitRateLimit, refundRateLimit } from "./rate-limit";
import { peekRateLimit } from "./test-support";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("fixed-window rate limits in PostgreSQL", () => {
  const rule = { limit: 3, windowMs: 60_000 };

  it("counts hits in one window and restarts after it", async () => {
    const t0 = new Date("2026-05-01T00:00:00Z");
    const states = [];
    for (let i = 0; i < 4; i++) states.push(await hitRateLimit(t.db, { key: "k1", rule }, t0));
    expect(states.map((s) => s.limited)).toEqual([false, false, false, true]);
    const next = await hitRateLimit(t.db, { key: "k1", rule }, new Date(t0.getTime() + 60_001));
    expect(next).toMatchObject({ count: 1, limited: false });
  });

  it("counts concurrent hits exactly (one statement per hit, no lost updates)", async () => {
    const t0 = new Date("2026-05-02T00:00:00Z");
    await Promise.all(Array.from({ length: 20 }, () => hitRateLimit(t.db, { key: "k2", rule: { limit: 100, windowMs: 60_000 } }, t0)));
    expect((await peekRateLimit(t.db, { key: "k2", rule: { limit: 100, windowMs: 60_000 } }, t0)).count).toBe(20);
  });

  it("gives a hit back, never below zero", async () => {
    const t0 = new Date("2026-05-03T00:00:00Z");
    for (let i = 0; i < 3; i++) await hitRateLimit(t.db, { key: "k3", rule }, t0);
    await refundRateLimit(t.db, "k3");
    expect(await hitRateLimit(t.db, { key: "k3", rule }, t0)).toMatchObject({ count: 3, limited: false });
    for (let i = 0; i < 5; i++) await refundRateLimit(t.db, "k3");
    expect((await peekRateLimit(t.db, { key: "k3", rule }, t0)).count).toBe(0);
    await refundRateLimit(t.db, "never-hit");
  });
});

