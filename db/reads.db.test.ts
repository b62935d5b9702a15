import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb, type Db } from "@/db";
import { migrateDatabase } from "@/db/migrate";
import { createReads, isReplicaFailure, type Reads } from "@/db/reads";
import { createApiKey } from "@/lib/api-keys/api-keys";
import { createContact } from "@/lib/contacts/contacts";
import { startStreamingPair, type StreamingPair } from "@/lib/tooling/testing/streaming-replica";

/**
 * The read replica against a real streaming standby (lib/tooling/testing/streaming-replica.ts): heavy
 * reads are answered by the standby, read-your-writes by the primary, and a standby that lags past
 * the bound or is down hands its reads to the primary without an error.
 */
let pair: StreamingPair;
let primary: Db;
let replica: Db;
/** What the routes get from lib/app/deps (mocked below): these two servers. */
let appReads: Reads;

vi.mock("@/lib/app/deps", async (original) => ({ ...(await original<object>()), getAppDb: () => primary, getAppReads: () => appReads }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ POSTMARK_FROM_EMAIL: "news@postline.test" }) }));

beforeAll(async () => {
  pair = await startStreamingPair();
  await migrateDatabase(pair.primaryUrl());
  primary = createDb(pair.primaryUrl(), { max: 3 });
  replica = createDb(pair.standbyUrl(), { max: 3, connectionTimeoutMillis: 1000 });
  await pair.waitForReplay();
}, 180_000);

afterAll(async () => {
  await primary?.$client.end();
  await replica?.$client.end();
  await pair?.stop();
});

/** Measured before every read, so each test sees the standby as it is now. */
const freshReads = (maxLagMs = 30_000, checkEveryMs = 0) => createReads(primary, replica, { maxLagMs, checkEveryMs });
const inRecovery = async (db: Db) => (await db.$client.query<{ r: boolean }>("select pg_is_in_recovery() as r")).rows[0].r;
const contactCount = async (db: Db) => (await db.$client.query<{ n: number }>("select count(*)::int as n from contacts")).rows[0].n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(handler: (req: Request, ctx: { params: Promise<never> }) => Promise<Response>, key: string, method: string, path: string, params: object = {}, body?: unknown) {
  const req = new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const res = await handler(req, { params: Promise.resolve(params as never) });
  return { status: res.status, json: await res.json() };
}

describe("reads with a streaming replica", () => {
  it("a heavy read is answered by the standby (in recovery), with nothing to say when it is caught up", async () => {
    const reads = freshReads();
    const result = await reads.run((db) => inRecovery(db));
    expect(result).toMatchObject({ value: true, from: "replica", asOf: null });
    expect(result.horizon).toBeInstanceOf(Date);
    expect(reads.served).toEqual({ primary: 0, replica: 1 });
    expect(await inRecovery(primary)).toBe(false);
  });

  it("the routes: the event log and a segment's count read the replica, a create-then-count reads its own write on the primary", async () => {
    appReads = freshReads(3_600_000);
    const { key } = await createApiKey(primary, { name: "replica test", role: "marketer" });
    await createContact(primary, { email: "berlin1@replica.test", fields: { city: "Berlin" } });
    await pair.waitForReplay();
    const events = await import("@/app/api/v1/events/route");
    const segments = await import("@/app/api/v1/segments/route");
    const segment = await import("@/app/api/v1/segments/[segmentId]/route");

    expect((await api(events.GET, key, "GET", "/api/v1/events?since=2020-01-01T00:00:00Z")).status).toBe(200);
    expect(appReads.served).toEqual({ primary: 0, replica: 1 });

    // The standby stops applying WAL: from here it does not see the second contact.
    await pair.pauseReplay();
    try {
      await createContact(primary, { email: "berlin2@replica.test", fields: { city: "Berlin" } });
      const definition = { match: "all", conditions: [{ type: "field", key: "city", op: "equals", value: "Berlin" }] };
      const created = await api(segments.POST, key, "POST", "/api/v1/segments", {}, { name: "Berliners", definition });
      expect(created.status).toBe(201);
      expect(created.json.data.count).toBe(2); // counted on the primary, right after its write
      expect(appReads.served.replica).toBe(1);

      // The segment itself is read on the primary (the standby has not even replayed it), its count on the standby.
      const read = await api(segment.GET, key, "GET", `/api/v1/segments/${created.json.data.id}`, { segmentId: created.json.data.id });
      expect(read.status).toBe(200);
      expect(read.json.data.count).toBe(1);
      expect(appReads.served.replica).toBe(2);
    } finally {
      await pair.resumeReplay();
      await pair.waitForReplay();
    }
  });

  it("a standby behind but within the bound answers, and says as of when: the last commit it replayed", async () => {
    await createContact(primary, { email: "before-pause@replica.test" });
    await pair.waitForReplay();
    await pair.pauseReplay();
    try {
      await sleep(1200); // the notice starts at one second behind
      await createContact(primary, { email: "after-pause@replica.test" });
      const onPrimary = await contactCount(primary);
      const result = await freshReads(3_600_000).run((db) => contactCount(db));
      expect(result.from).toBe("replica");
      expect(result.value).toBe(onPrimary - 1);
      expect(result.asOf).toBeInstanceOf(Date);
      expect(result.asOf!.getTime()).toBeLessThanOrEqual(Date.now() - 1000);
      expect(result.horizon).toEqual(result.asOf);
    } finally {
      await pair.resumeReplay();
    }
  });

  it("a standby lagging past the bound: its reads go to the primary and see everything; back to the standby once it caught up", async () => {
    await pair.waitForReplay();
    await pair.pauseReplay();
    const reads = freshReads(1000);
    try {
      await sleep(1500);
      await createContact(primary, { email: "lagging@replica.test" });
      const result = await reads.run(async (db) => ({ recovering: await inRecovery(db), n: await contactCount(db) }));
      expect(result).toMatchObject({ from: "primary", asOf: null, horizon: null, value: { recovering: false, n: await contactCount(primary) } });
    } finally {
      await pair.resumeReplay();
    }
    await pair.waitForReplay();
    expect(await reads.run((db) => inRecovery(db))).toMatchObject({ from: "replica", value: true });
    expect(reads.served).toEqual({ primary: 1, replica: 1 });
  });

  it("a standby that is down: reads go to the primary with no error, also one already routed to it, and back when it returns", async () => {
    const measured = freshReads(30_000, 60_000); // measured once, while the standby is up
    expect((await measured.run((db) => inRecovery(db))).from).toBe("replica");
    const reads = freshReads();
    await pair.stopStandby();
    try {
      expect(await reads.run((db) => inRecovery(db))).toMatchObject({ from: "primary", value: false });
      // Still believed up: the read fails on the standby and is answered by the primary instead.
      expect(await measured.run((db) => inRecovery(db))).toMatchObject({ from: "primary", value: false });
      expect(await measured.run((db) => inRecovery(db))).toMatchObject({ from: "primary", value: false });
      expect(measured.served).toEqual({ primary: 2, replica: 1 });
    } finally {
      await pair.startStandby();
    }
    await pair.waitForReplay();
    expect(await reads.run((db) => inRecovery(db))).toMatchObject({ from: "replica", value: true });
  });
});

describe("isReplicaFailure", () => {
  it("is true for the server going away or refusing, and recovery conflicts; false for a query's own error", () => {
    expect(isReplicaFailure(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isReplicaFailure(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isReplicaFailure(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isReplicaFailure(Object.assign(new Error("canceling statement due to conflict with recovery"), { code: "40001" }))).toBe(true);
    expect(isReplicaFailure(Object.assign(new Error('relation "x" does not exist'), { code: "42P01" }))).toBe(false);
  });
});
