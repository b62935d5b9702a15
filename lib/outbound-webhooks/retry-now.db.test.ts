import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createAddressPolicy } from "./address-policy";
import { claimDeliveries, performDelivery } from "./delivery-loop";
import { getDeliveryOrThrow, retryDeliveryNow } from "./delivery-log";
import type { OutboundDeps } from "./deps";
import { archiveEndpoint } from "./endpoints";
import { enqueueOutboundEvent } from "./outbox";
import { createVerifiedEndpoint, deliverDue, type Receiver, startReceiver } from "./test-support";

// Every receiver listens on 127.0.0.1. The clock is moved by hand; the outbox stamps deliveries with the
// database's clock, so it starts at the real time.
let t: TestDatabase;
let failing: Receiver;
let clock = new Date();
const deps: OutboundDeps = { policy: createAddressPolicy(["127.0.0.1"]), accountId: "acct_test", now: () => clock, random: () => 0.5, emailer: null, timeoutMs: 3000 };

beforeAll(async () => {
  t = await createTestDatabase();
  failing = await startReceiver({ respond: () => ({ status: 503 }) });
});
afterAll(async () => {
  await failing.close();
  await t.drop();
});

/** A verified endpoint on the failing receiver with one delivery that failed once and waits for its retry. */
async function waitingDelivery() {
  clock = new Date();
  const endpoint = await createVerifiedEndpoint(t.db, { receiver: failing }, deps);
  await enqueueOutboundEvent(t.db, { event: "Email.Delivered", data: { n: 1 }, occurredAt: clock });
  expect(await deliverDue(t.db, deps)).toEqual(["retry"]);
  const [delivery] = await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id));
  expect(delivery).toMatchObject({ status: "pending", attempts: 1 });
  expect(delivery.nextAttemptAt.getTime()).toBeGreaterThan(clock.getTime());
  return { endpoint, delivery };
}

const countDeliveries = async (endpointId: string) => (await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId))).length;

describe("retry now", () => {
  it("makes a delivery waiting for its retry due at once: the same delivery is attempted again, nothing is duplicated", async () => {
    const { endpoint, delivery } = await waitingDelivery();
    clock = new Date(clock.getTime() + 5_000); // well before the 30 s backoff ends
    expect((await claimDeliveries(t.db, { max: 10 }, deps)).claimed).toEqual([]);

    const retried = await retryDeliveryNow(t.db, { endpointId: endpoint.id, deliveryId: delivery.id }, deps);
    expect(retried).toMatchObject({ id: delivery.id, status: "pending", attempts: 1, nextAttemptAt: clock });
    expect(retried.attemptLog).toHaveLength(1);

    const { claimed } = await claimDeliveries(t.db, { max: 10 }, deps);
    expect(claimed.map((c) => [c.deliveryId, c.attemptNumber])).toEqual([[delivery.id, 2]]);
    await performDelivery(t.db, claimed[0], deps);
    expect(await getDeliveryOrThrow(t.db, { endpointId: endpoint.id, deliveryId: delivery.id })).toMatchObject({ status: "pending", attempts: 2 });
    expect(await countDeliveries(endpoint.id)).toBe(1);
    expect(failing.received.filter((r) => r.body.includes('"n":1')).length).toBeGreaterThanOrEqual(2);
  });

  it("pressed twice, still one delivery and one attempt", async () => {
    const { endpoint, delivery } = await waitingDelivery();
    await retryDeliveryNow(t.db, { endpointId: endpoint.id, deliveryId: delivery.id }, deps);
    await retryDeliveryNow(t.db, { endpointId: endpoint.id, deliveryId: delivery.id }, deps);
    expect(await countDeliveries(endpoint.id)).toBe(1);
    const { claimed } = await claimDeliveries(t.db, { max: 10 }, deps);
    expect(claimed.filter((c) => c.endpointId === endpoint.id)).toHaveLength(1);
    // Now in flight: a third press is refused.
    await expect(retryDeliveryNow(t.db, { endpointId: endpoint.id, deliveryId: delivery.id }, deps)).rejects.toMatchObject({ code: "not_waiting_for_retry", status: 409, message: `Delivery #${delivery.id} is being attempted right now` });
    await performDelivery(t.db, claimed.find((c) => c.endpointId === endpoint.id)!, deps);
  });

  it("is refused for a delivery that is not waiting for a retry: delivered, given up, cancelled, never attempted", async () => {
    const { endpoint, delivery } = await waitingDelivery();
    const refusedWith = (message: RegExp) => expect(retryDeliveryNow(t.db, { endpointId: endpoint.id, deliveryId: delivery.id }, deps)).rejects.toMatchObject({ code: "not_waiting_for_retry", message: expect.stringMatching(message) });
    await t.db.update(webhookDeliveries).set({ status: "succeeded" }).where(eq(webhookDeliveries.id, delivery.id));
    await refusedWith(/was delivered/);
    await t.db.update(webhookDeliveries).set({ status: "failed" }).where(eq(webhookDeliveries.id, delivery.id));
    await refusedWith(/replay it/);
    await t.db.update(webhookDeliveries).set({ status: "cancelled" }).where(eq(webhookDeliveries.id, delivery.id));
    await refusedWith(/was cancelled/);
    await t.db.update(webhookDeliveries).set({ status: "pending", attempts: 0 }).where(eq(webhookDeliveries.id, delivery.id));
    await refusedWith(/has not been attempted yet/);
    // None of these moved its due time.
    expect((await getDeliveryOrThrow(t.db, { endpointId: endpoint.id, deliveryId: delivery.id })).nextAttemptAt).toEqual(delivery.nextAttemptAt);
  });

  it("is refused on a disabled endpoint (invalid_state) and an archived one (archived)", async () => {
    const { endpoint, delivery } = await waitingDelivery();
    await t.db.update(webhookEndpoints).set({ status: "disabled" }).where(eq(webhookEndpoints.id, endpoint.id));
    await expect(retryDeliveryNow(t.db, { endpointId: endpoint.id, deliveryId: delivery.id }, deps)).rejects.toMatchObject({ code: "invalid_state", status: 409 });
    await archiveEndpoint(t.db, endpoint.id, deps);
    await expect(retryDeliveryNow(t.db, { endpointId: endpoint.id, deliveryId: delivery.id }, deps)).rejects.toMatchObject({ code: "archived", status: 409 });
  });

  it("is not_found for an unknown endpoint, an unknown delivery, or a delivery of another endpoint", async () => {
    const a = await waitingDelivery();
    const b = await waitingDelivery();
    await expect(retryDeliveryNow(t.db, { endpointId: "00000000-0000-4000-8000-000000000000", deliveryId: a.delivery.id }, deps)).rejects.toMatchObject({ code: "not_found" });
    await expect(retryDeliveryNow(t.db, { endpointId: a.endpoint.id, deliveryId: 999_999_999 }, deps)).rejects.toMatchObject({ code: "not_found" });
    await expect(retryDeliveryNow(t.db, { endpointId: a.endpoint.id, deliveryId: b.delivery.id }, deps)).rejects.toMatchObject({ code: "not_found" });
    expect(await t.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.deliveryId, b.delivery.id))).toHaveLength(1);
  });
});
