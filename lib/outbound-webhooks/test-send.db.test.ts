import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createAddressPolicy } from "./address-policy";
import { toApiTestOutcome } from "./api";
import { deliverDue } from "./delivery-loop";
import type { OutboundDeps } from "./deps";
import { enqueueOutboundEvent } from "./outbox";
import { sendTestEvent, sendTestEventToAll } from "./test-send";
import { createVerifiedEndpoint, startReceiver, type Receiver } from "./test-support";

// Every receiver listens on 127.0.0.1; no test sends anything to another address.

let t: TestDatabase;
const receivers: Receiver[] = [];
let clock = new Date();
const deps: OutboundDeps = {
  policy: createAddressPolicy(["127.0.0.1"]),
  accountId: "acct_test",
  now: () => clock,
  random: () => 0.5,
  emailer: null,
  timeoutMs: 5000,
};

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await t.drop();
});
afterEach(async () => {
  // Each test starts with no live endpoints, so "every endpoint" means the test's own.
  await t.db.update(webhookEndpoints).set({ status: "archived" });
  clock = new Date();
});

async function receiver(options: Parameters<typeof startReceiver>[0] = {}) {
  const r = await startReceiver(options);
  receivers.push(r);
  return r;
}

describe("a test send is attempted by exactly one party", () => {
  it("is not delivered again by the queue while its own request waits on a slow receiver", async () => {
    const rec = await receiver({ respond: () => ({ status: 200, delayMs: 2000 }) });
    const endpoint = await createVerifiedEndpoint(t.db, deps, rec);
    const sending = sendTestEvent(t.db, { endpointId: endpoint.id }, deps);
    // The test's request has reached the receiver and waits for its answer: the queue runs now.
    await vi.waitFor(() => expect(rec.received).toHaveLength(1), { timeout: 5000 });
    const queued = await deliverDue(t.db, deps);
    const result = await sending;
    expect(result.ok).toBe(true);
    expect(queued).toEqual([]);
    expect(rec.received).toHaveLength(1);
    const attempts = await t.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.deliveryId, result.deliveryId));
    expect(attempts.map((a) => a.status)).toEqual(["succeeded"]);

    // Once answered, the test holds nothing back: the endpoint's next event goes at once.
    await t.db.transaction((tx) => enqueueOutboundEvent(tx, { event: "Email.Delivered", data: { seq: 1 }, occurredAt: clock }));
    rec.setResponder(() => ({ status: 200 }));
    expect(await deliverDue(t.db, deps)).toEqual(["succeeded"]);
    expect(rec.received.map((r) => JSON.parse(r.body).event)).toEqual(["Webhook.Test", "Email.Delivered"]);
  });

  it("is delivered by the queue (at least once) when the test send never recorded an answer", async () => {
    // The queue looks again only once the test's attempt is past the deadline a lease would have.
    const rec = await receiver({ respond: () => ({ status: 200, delayMs: 1500 }) });
    const endpoint = await createVerifiedEndpoint(t.db, deps, rec);
    const sending = sendTestEvent(t.db, { endpointId: endpoint.id }, deps);
    await vi.waitFor(() => expect(rec.received).toHaveLength(1), { timeout: 5000 });
    expect(await deliverDue(t.db, deps)).toEqual([]);
    clock = new Date(clock.getTime() + 10 * 60_000);
    rec.setResponder(() => ({ status: 200 }));
    expect(await deliverDue(t.db, deps)).toEqual(["succeeded"]);
    await sending;
    expect(rec.received).toHaveLength(2);
    expect(new Set(rec.received.map((r) => r.headers["webhook-id"])).size).toBe(1);
  });
});

describe("a test to every endpoint", () => {
  it("answers per endpoint: one rate limited does not fail the call, and the others are sent", async () => {
    const a = await receiver();
    const b = await receiver();
    const open = await createVerifiedEndpoint(t.db, deps, a);
    const limited = await createVerifiedEndpoint(t.db, deps, b, { rate_limit: 1, rate_limit_period: "day" });
    // The limited endpoint's one attempt for the day is spent.
    expect((await sendTestEvent(t.db, { endpointId: limited.id }, deps)).ok).toBe(true);

    const results = await sendTestEventToAll(t.db, {}, deps);
    const byEndpoint = new Map(results.map((r) => [r.endpointId, r]));
    expect(results).toHaveLength(2);
    expect(byEndpoint.get(open.id)).toMatchObject({ sent: true, url: open.url, result: { ok: true, response: { status: 200 } } });
    expect(byEndpoint.get(limited.id)).toMatchObject({ sent: false, url: limited.url, error: { code: "rate_limited" } });
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);

    // The API's entries: the exchange with its status, or the endpoint's error code and message.
    const api = results.map(toApiTestOutcome);
    expect(api.find((r) => r.endpoint_id === open.id)).toMatchObject({ sent: true, ok: true, response: { status: 200 } });
    expect(api.find((r) => r.endpoint_id === limited.id)).toEqual({
      endpoint_id: limited.id,
      url: limited.url,
      sent: false,
      ok: false,
      error: { code: "rate_limited", message: expect.stringContaining("rate limit") },
    });
  });
});
