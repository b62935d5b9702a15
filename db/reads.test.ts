import { describe, expect, it } from "vitest";
import type { Db } from "./index";
import { createReads, primaryReads } from "./reads";

/** A Db whose pool answers the lag queries as told (db/reads.db.test.ts runs against a real standby). */
function fakeDb(name: string, answer: (text: string) => Promise<Record<string, unknown>>): Db {
  return { name, $client: { query: async (text: string) => ({ rows: [await answer(text)] }) } } as unknown as Db;
}
const primary = fakeDb("primary", async () => ({ lsn: "0/10", at: new Date() }));
const nameOf = async (db: Db) => (db as unknown as { name: string }).name;

describe("createReads", () => {
  it("a replica that takes the connection but never answers the measurement: reads go to the primary, without waiting on it", async () => {
    const hung = fakeDb("replica", () => new Promise(() => {}));
    const reads = createReads(primary, hung, { maxLagMs: 30_000, measureTimeoutMs: 50 });
    expect(await reads.run(nameOf)).toMatchObject({ value: "primary", from: "primary" });
  });

  it("measures at most once per interval, however many reads", async () => {
    let measured = 0;
    const replica = fakeDb("replica", async () => {
      measured++;
      return { recovering: true, caught_up: true, replayed_at: new Date() };
    });
    const reads = createReads(primary, replica, { maxLagMs: 30_000, checkEveryMs: 60_000 });
    const results = await Promise.all(Array.from({ length: 20 }, () => reads.run(nameOf)));
    expect(results.every((r) => r.value === "replica")).toBe(true);
    expect(measured).toBe(1);
  });

  it("a server that is not in recovery (a promoted standby, a primary) is not used as the replica", async () => {
    const promoted = fakeDb("replica", async () => ({ recovering: false, caught_up: null, replayed_at: null }));
    expect((await createReads(primary, promoted, { maxLagMs: 30_000 }).run(nameOf)).value).toBe("primary");
  });

  it("a query's own error is not retried on the primary", async () => {
    const replica = fakeDb("replica", async () => ({ recovering: true, caught_up: true, replayed_at: new Date() }));
    const reads = createReads(primary, replica, { maxLagMs: 30_000 });
    const bad = Object.assign(new Error('relation "x" does not exist'), { code: "42P01" });
    await expect(reads.run(async () => Promise.reject(bad))).rejects.toBe(bad);
    expect(reads.served).toEqual({ primary: 0, replica: 0 });
  });
});

describe("primaryReads", () => {
  it("without a replica, every read is the primary's and current", async () => {
    expect(await primaryReads(primary).run(nameOf)).toEqual({ value: "primary", from: "primary", horizon: null, asOf: null });
  });
});
