import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@/db";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { hitRateLimit, hitRateLimits, refundRateLimit } from "./rate-limit";
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

  it("counts several limits in one statement, each with its own window, answering in the order asked", async () => {
    const t0 = new Date("2026-05-03T00:00:00Z");
    const minute = { key: "z-source", rule: { limit: 2, windowMs: 60_000 } };
    const hour = { key: "a-address", rule: { limit: 3, windowMs: 3_600_000 } };
    const first = await hitRateLimits(t.db, [minute, hour], t0);
    expect(first.map((s) => [s.count, s.limited])).toEqual([[1, false], [1, false]]);
    await hitRateLimits(t.db, [minute, hour], t0);
    const third = await hitRateLimits(t.db, [minute, hour], t0);
    expect(third.map((s) => [s.count, s.limited])).toEqual([[3, true], [3, false]]);
    expect(third[0].resetAt).toEqual(new Date(t0.getTime() + 60_000));
    expect(third[1].resetAt).toEqual(new Date(t0.getTime() + 3_600_000));
    // Two minutes on: the minute's window restarts, the hour's goes on counting.
    const later = await hitRateLimits(t.db, [minute, hour], new Date(t0.getTime() + 120_000));
    expect(later.map((s) => [s.count, s.limited])).toEqual([[1, false], [4, true]]);
    // Concurrent callers naming the same keys in either order neither deadlock nor lose a hit.
    await Promise.all(Array.from({ length: 20 }, (_, i) => hitRateLimits(t.db, i % 2 ? [minute, hour] : [hour, minute], new Date(t0.getTime() + 120_000))));
    expect((await peekRateLimit(t.db, hour, new Date(t0.getTime() + 120_000))).count).toBe(24);
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

  it("turns synchronous commit off for the hit's own transaction only: the hit is committed, and the connection's next statements commit as before", async () => {
    const one = createDb(t.url, { max: 1 });
    try {
      const t0 = new Date("2026-05-09T00:00:00Z");
      // The session's own setting (the test server may run with another default).
      await one.execute(sql`set synchronous_commit = on`);
      await hitRateLimits(one, [{ key: "async-a", rule }, { key: "async-b", rule }], t0);
      const [{ synchronous_commit }] = (await one.execute<{ synchronous_commit: string }>(sql`show synchronous_commit`)).rows;
      expect(synchronous_commit).toBe("on");
      // The hit itself is committed: another connection sees it.
      expect((await peekRateLimit(t.db, { key: "async-b", rule }, t0)).count).toBe(1);
    } finally {
      await one.$client.end();
    }
  });
});
