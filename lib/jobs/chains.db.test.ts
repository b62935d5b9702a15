import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { CHAIN_LEASE_MS, endChain, extendChain } from "./chains";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 26, 9, 0, seconds));

describe("one chain per job (real PostgreSQL)", () => {
  it("lets the first run that stops for its budget start the chain, and no other run while it is alive", async () => {
    const first = await extendChain(t.db, { job: "/send-a", token: null, now: at(0) });
    expect(first).toEqual(expect.any(String));
    // A cron tick, the send action or a restart stopping for its budget meanwhile: the chain carries its work.
    expect(await extendChain(t.db, { job: "/send-a", token: null, now: at(30) })).toBeNull();
    expect(await extendChain(t.db, { job: "/send-a", token: "forged", now: at(31) })).toBeNull();
    // The chain's link hands on with a new token; the old one is spent.
    const second = await extendChain(t.db, { job: "/send-a", token: first, now: at(45) });
    expect(second).toEqual(expect.any(String));
    expect(second).not.toBe(first);
    expect(await extendChain(t.db, { job: "/send-a", token: first, now: at(50) })).toBeNull();
    // Another job's chain is its own.
    expect(await extendChain(t.db, { job: "/deliver-a", token: null, now: at(50) })).toEqual(expect.any(String));
  });

  it("lets any run start a new chain once a link was lost (the lease ran out)", async () => {
    const first = await extendChain(t.db, { job: "/send-b", token: null, now: at(0) });
    expect(first).not.toBeNull();
    const lapsed = new Date(at(0).getTime() + CHAIN_LEASE_MS + 1);
    const fresh = await extendChain(t.db, { job: "/send-b", token: null, now: lapsed });
    expect(fresh).toEqual(expect.any(String));
    // The lost link, should it come back, no longer holds the chain.
    expect(await extendChain(t.db, { job: "/send-b", token: first, now: lapsed })).toBeNull();
  });

  it("ends the chain when its link finds nothing left, so the next trigger may start one at once", async () => {
    const token = await extendChain(t.db, { job: "/send-c", token: null, now: at(0) });
    await endChain(t.db, { job: "/send-c", token: "not-the-holder" });
    expect(await extendChain(t.db, { job: "/send-c", token: null, now: at(10) })).toBeNull();
    await endChain(t.db, { job: "/send-c", token: token! });
    expect(await extendChain(t.db, { job: "/send-c", token: null, now: at(11) })).toEqual(expect.any(String));
  });

  it("gives the chain to exactly one of several runs that stop at the same moment", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => extendChain(t.db, { job: "/send-d", token: null, now: at(0) })));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });
});
