import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveries } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createAddressPolicy } from "./address-policy";
import { toApiDelivery, toApiReplayed } from "./api";
import { replayDelivery, replayFailedDeliveries } from "./delivery-log";
import type { OutboundDeps } from "./deps";
import { enqueueOutboundEvent } from "./outbox";
import { createVerifiedEndpoint, startReceiver, type Receiver } from "./test-support";

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
  const endpoint = await createVerifiedEndpoint(t.db, deps, rec);
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
