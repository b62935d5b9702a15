import { createHmac } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import { webhookDeliveryAttempts } from "@/db/schema";
import { outboundTestBed } from "@/lib/tooling/testing/outbound-bed";
import { toApiTestOutcome } from "./api";
import { listDeliveries } from "./delivery-log";
import { createEndpoint, getEndpointOrThrow } from "./endpoints";
import { enqueueOutboundEvent } from "./outbox";
import { sendTestEvent, sendTestEventToAll } from "./test-send";
import { deliverDue, createVerifiedEndpoint } from "./test-support";

// Every receiver listens on 127.0.0.1; no test sends anything to another address.

const bed = outboundTestBed();
const { deps, receiver, liveEndpoint } = bed;

describe("a test send is attempted by exactly one party", () => {
  it("is not delivered again by the queue while its own request waits on a slow receiver", async () => {
    const rec = await receiver({ respond: () => ({ status: 200, delayMs: 2000 }) });
    const endpoint = await createVerifiedEndpoint(bed.db, { receiver: rec }, deps);
    const sending = sendTestEvent(bed.db, { endpointId: endpoint.id }, deps);
    // The test's request has reached the receiver and waits for its answer: the queue runs now.
    await vi.waitFor(() => expect(rec.received).toHaveLength(1), { timeout: 5000 });
    const queued = await deliverDue(bed.db, deps);
    const result = await sending;
    expect(result.ok).toBe(true);
    expect(queued).toEqual([]);
    expect(rec.received).toHaveLength(1);
    const attempts = await bed.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.deliveryId, result.deliveryId));
    expect(attempts.map((a) => a.status)).toEqual(["succeeded"]);

    // Once answered, the test holds nothing back: the endpoint's next event goes at once.
    await bed.db.transaction((tx) => enqueueOutboundEvent(tx, { event: "Email.Delivered", data: { seq: 1 }, occurredAt: bed.clock }));
    rec.setResponder(() => ({ status: 200 }));
    expect(await deliverDue(bed.db, deps)).toEqual(["succeeded"]);
    expect(rec.received.map((r) => JSON.parse(r.body).event)).toEqual(["Webhook.Test", "Email.Delivered"]);
  });

  it("is delivered by the queue (at least once) when the test send never recorded an answer", async () => {
    // The queue looks again only once the test's attempt is past the deadline a lease would have.
    const rec = await receiver({ respond: () => ({ status: 200, delayMs: 1500 }) });
    const endpoint = await createVerifiedEndpoint(bed.db, { receiver: rec }, deps);
    const sending = sendTestEvent(bed.db, { endpointId: endpoint.id }, deps);
    await vi.waitFor(() => expect(rec.received).toHaveLength(1), { timeout: 5000 });
    expect(await deliverDue(bed.db, deps)).toEqual([]);
    bed.clock = new Date(bed.clock.getTime() + 10 * 60_000);
    rec.setResponder(() => ({ status: 200 }));
    expect(await deliverDue(bed.db, deps)).toEqual(["succeeded"]);
    await sending;
    expect(rec.received).toHaveLength(2);
    expect(new Set(rec.received.map((r) => r.headers["webhook-id"])).size).toBe(1);
  });
});

describe("a test to every endpoint", () => {
  it("answers per endpoint: one rate limited does not fail the call, and the others are sent", async () => {
    const a = await receiver();
    const b = await receiver();
    const open = await createVerifiedEndpoint(bed.db, { receiver: a }, deps);
    const limited = await createVerifiedEndpoint(bed.db, { receiver: b, settings: { rate_limit: 1, rate_limit_period: "day" } }, deps);
    // The limited endpoint's one attempt for the day is spent.
    expect((await sendTestEvent(bed.db, { endpointId: limited.id }, deps)).ok).toBe(true);

    const results = await sendTestEventToAll(bed.db, {}, deps);
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


describe("the test tool", () => {
  it("the test tool shows what was sent, the signed strings, the signatures and the answer", async () => {
    const rec = await receiver({ respond: () => ({ status: 202, body: '{"received":true}' }) });
    const { endpoint } = await liveEndpoint({}, rec);
    const result = await sendTestEvent(bed.db, { endpointId: endpoint.id }, deps);
    expect(result.ok).toBe(true);
    expect(JSON.parse(result.request.body)).toMatchObject({ event: "Webhook.Test", account_id: "acct_test" });
    expect(result.signedContent.xSignature).toBe(result.request.body);
    expect(result.signedContent.standardWebhooks).toBe(`${result.request.headers["webhook-id"]}.${result.request.headers["webhook-timestamp"]}.${result.request.body}`);
    expect(result.signatures.xSignature).toBe(createHmac("sha256", endpoint.secret).update(result.request.body).digest("base64"));
    expect(result.response).toMatchObject({ status: 202, body: '{"received":true}' });
    expect(new Webhook(endpoint.secret).verify(rec.received[0].body, rec.received[0].headers)).toBeTruthy();

    const sample = await sendTestEvent(bed.db, { endpointId: endpoint.id, event: "Email.Bounced" }, deps);
    expect(JSON.parse(sample.request.body).data).toMatchObject({ type: "HardBounce" });

    rec.setResponder(() => ({ status: 500, body: "nope" }));
    const failing = await sendTestEvent(bed.db, { endpointId: endpoint.id }, deps);
    expect(failing.ok).toBe(false);
    expect(failing.response?.status).toBe(500);
    // A failed test neither retries nor counts against the endpoint.
    expect((await getEndpointOrThrow(bed.db, endpoint.id)).status).toBe("active");
    const log = await listDeliveries(bed.db, { endpointId: endpoint.id });
    expect(log.map((d) => [d.isTest, d.status])).toEqual([
      [true, "failed"],
      [true, "succeeded"],
      [true, "succeeded"],
    ]);
    expect(await deliverDue(bed.db, deps)).toEqual([]);

    const unverified = await createEndpoint(bed.db, { settings: { event: "Webhook.Test", url: rec.url("/x") } }, deps);
    await expect(sendTestEvent(bed.db, { endpointId: unverified.id }, deps)).rejects.toMatchObject({ code: "not_verified" });
  });
});
