import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveries } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { outboundTestBed } from "@/lib/tooling/testing/outbound-bed";
import { createAddressPolicy } from "./address-policy";
import { toApiDelivery, toApiReplayed } from "./api";
import { listDeliveries, replayDelivery, replayFailedDeliveries } from "./delivery-log";
import { type OutboundDeps } from "./deps";
import { verifyEndpoint } from "./endpoints";
import { enqueueOutboundEvent } from "./outbox";
import { deliverDue, createVerifiedEndpoint, type Receiver, startReceiver } from "./test-support";

// Every receiver listens on 127.0.0.1; no test sends anything to another address.

let t: TestDatabase;
let rec: Receiver;
// Near the real time: the outbox stamps deliveries with the database clock.
const clock = new Date();
const deps: OutboundDeps = { policy: createAddressPolicy(["127.0.0.1"]), accountId: "acct_test", now: () => clock, random: () => 0.5, emailer: null, timeoutMs: 3000 };

beforeAll(async () => {
  t = await createTestDatabase();
  rec = await startReceiver({ respond: () => ({ status: 500 }) });
});
afterAll(async () => {
  await rec.close();
  await t.drop();
});

/** An endpoint with `n` failed deliveries (their events carry `seq`), oldest first. */
async function endpointWithFailures(n: number) {
  const endpoint = await createVerifiedEndpoint(t.db, { receiver: rec }, deps);
  await t.db.transaction(async (tx) => {
    for (let seq = 1; seq <= n; seq++) await enqueueOutboundEvent(tx, { event: "Email.Delivered", data: { seq }, occurredAt: new Date(clock.getTime() - 1000) });
  });
  await t.db.update(webhookDeliveries).set({ status: "failed", completedAt: clock }).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, "pending")));
  const failed = await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id)).orderBy(webhookDeliveries.id);
  return { endpoint, failed };
}

describe("replaying deliveries", () => {
  it("answers the new delivery of one replay: its id, status, due time and the event it carries", async () => {
    const { endpoint, failed } = await endpointWithFailures(1);
    const replay = await replayDelivery(t.db, { endpointId: endpoint.id, deliveryId: failed[0].id }, deps);
    expect(toApiDelivery(replay)).toMatchObject({
      id: expect.any(Number),
      status: "pending",
      next_attempt_at: clock.toISOString(),
      replay_of: failed[0].id,
      event: "Email.Delivered",
      event_id: failed[0].eventId,
      attempts: 0,
      data: { seq: 1 },
      attempt_log: [],
    });
    expect(replay.id).not.toBe(failed[0].id);
  });

  it("says how many and which deliveries a range replay queued", async () => {
    const { endpoint, failed } = await endpointWithFailures(3);
    const range = { from: new Date(clock.getTime() - 60_000), to: new Date(clock.getTime() + 60_000) };
    const queued = await replayFailedDeliveries(t.db, { endpointId: endpoint.id, ...range }, deps);
    expect(queued.map((d) => d.replayOfId)).toEqual(failed.map((d) => d.id));
    const answer = toApiReplayed(queued);
    expect(answer.replayed).toBe(3);
    expect(answer.deliveries).toEqual(queued.map((d) => ({ id: d.id, replay_of: d.replayOfId, status: "pending", next_attempt_at: clock.toISOString() })));
    // Pressing it again while those wait queues nothing.
    expect(toApiReplayed(await replayFailedDeliveries(t.db, { endpointId: endpoint.id, ...range }, deps))).toEqual({ replayed: 0, deliveries: [] });
  });
});

// From the former outbound.db.test.ts: these run on the shared outbound bed (lib/tooling/testing/outbound-bed.ts), a second
// database beside the one the tests above use.
const bed = outboundTestBed();
const { receiver, liveEndpoint, delivered, enqueue } = bed;

describe("replay, on the shared bed", () => {
  it("replays one delivery, or every failed delivery in a time range", async () => {
    const rec = await receiver({ respond: () => ({ status: 410 }) });
    const { endpoint } = await liveEndpoint({}, rec);
    await enqueue(delivered());
    await deliverDue(bed.db, bed.deps);
    // 410 disabled it; bring it back and fail a few more the slow way.
    rec.setResponder(() => ({ status: 200 }));
    await verifyEndpoint(bed.db, endpoint.id, bed.deps);
    const [failed] = await bed.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, "failed")));
    const replay = await replayDelivery(bed.db, { endpointId: endpoint.id, deliveryId: failed.id }, bed.deps);
    expect(replay.replayOfId).toBe(failed.id);
    await expect(replayDelivery(bed.db, { endpointId: endpoint.id, deliveryId: replay.id }, bed.deps)).rejects.toMatchObject({ code: "already_pending" });
    expect(await deliverDue(bed.db, bed.deps)).toEqual(["succeeded"]);
    expect(JSON.parse(rec.received.at(-1)!.body).data.seq).toBe(JSON.parse(rec.received[0].body).data.seq);
    expect(rec.received.at(-1)!.headers["webhook-id"]).toBe(rec.received[0].headers["webhook-id"]);

    // Two more failures (410 again disables; mark failed ones directly to build a range).
    await enqueue(delivered(), delivered());
    await bed.db.update(webhookDeliveries).set({ status: "failed", completedAt: bed.clock }).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, "pending")));
    const from = new Date(bed.clock.getTime() - 60_000);
    const to = new Date(bed.clock.getTime() + 60_000);
    expect(await replayFailedDeliveries(bed.db, { endpointId: endpoint.id, from, to }, bed.deps)).toHaveLength(3);
    // Pressing it again while those wait adds nothing.
    expect(await replayFailedDeliveries(bed.db, { endpointId: endpoint.id, from, to }, bed.deps)).toHaveLength(0);
    expect(await deliverDue(bed.db, bed.deps)).toEqual(["succeeded", "succeeded", "succeeded"]);

    const log = await listDeliveries(bed.db, { endpointId: endpoint.id, filter: { limit: 50 } });
    expect(log[0].attemptLog[0]).toMatchObject({ status: "succeeded", statusCode: 200 });
    expect(log.some((d) => d.attemptLog.some((a) => a.statusCode === 410))).toBe(true);
    expect((await listDeliveries(bed.db, { endpointId: endpoint.id, filter: { status: "failed" } })).every((d) => d.status === "failed")).toBe(true);
  });
});
