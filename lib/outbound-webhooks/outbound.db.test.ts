import { createHmac } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { alerts, messages, webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints, webhookEvents, webhookSecretReveals } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createAddressPolicy, type Resolver } from "./address-policy";
import { claimDeliveries, deliverDue, MAX_ATTEMPTS, performDelivery, RETRY_DELAYS_MS, runOutboundDelivery } from "./delivery-loop";
import { listDeliveries, replayDelivery, replayFailedDeliveries } from "./delivery-log";
import type { OutboundDeps } from "./deps";
import { archiveEndpoint, createEndpoint, getEndpointOrThrow, revealSecret, rotateSecret, updateEndpoint, verificationFileName, verifyEndpoint, type CreateEndpointInput } from "./endpoints";
import { ingestPostmarkEvent } from "@/lib/ingest/ingest";
import { postmarkEventSchema } from "@/lib/ingest/postmark-payload";
import { messageEvents } from "@/db/schema";
import { enqueueEmailsSent, enqueueOutboundEvent } from "./outbox";
import { sendTestEvent } from "./test-send";
import { startReceiver, type Receiver } from "./test-support";

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
  timeoutMs: 3000,
};

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await t.drop();
});
afterEach(async () => {
  // Each test starts with no live endpoints, so fan-out only reaches its own.
  await t.db.update(webhookEndpoints).set({ status: "archived" });
  clock = new Date();
});

async function receiver(options: Parameters<typeof startReceiver>[0] = {}) {
  const r = await startReceiver(options);
  receivers.push(r);
  return r;
}

/** An endpoint on a fresh receiver, verified through its file, so events reach it. */
async function liveEndpoint(input: Partial<CreateEndpointInput> = {}, r?: Receiver) {
  const rec = r ?? (await receiver());
  const endpoint = await createEndpoint(t.db, { settings: { events: ["Email.Delivered", "Webhook.Test", "Email.Sent"], url: rec.url("/hooks/postline"), rate_limit: 1000, rate_limit_period: "second", ...input } }, deps);
  rec.files[`/hooks/${verificationFileName(endpoint.verificationToken)}`] = endpoint.verificationToken;
  const verified = await verifyEndpoint(t.db, endpoint.id, deps);
  expect(verified.ok).toBe(true);
  return { endpoint: verified.endpoint, receiver: rec };
}

let seq = 0;
const delivered = (n = ++seq) => ({ event: "Email.Delivered" as const, data: { seq: n, recipient: `r${n}@example.com` }, occurredAt: new Date(clock.getTime() - 1000) });

async function enqueue(...events: ReturnType<typeof delivered>[]) {
  await t.db.transaction(async (tx) => {
    for (const e of events) await enqueueOutboundEvent(tx, e);
  });
}

describe("ownership verification", () => {
  it("keeps a new endpoint pending until postline-<token>.txt in the URL's folder holds the token", async () => {
    const rec = await receiver();
    const endpoint = await createEndpoint(t.db, { settings: { event: "Email.Delivered", url: rec.url("/in/hooks/postline?src=1") } }, deps);
    expect(endpoint.status).toBe("pending_verification");
    expect(endpoint.rateLimit).toBe(10);
    expect(endpoint.rateLimitPeriod).toBe("second");

    // Nothing is queued for an unverified endpoint.
    await enqueue(delivered());
    expect(await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id))).toHaveLength(0);

    const missing = await verifyEndpoint(t.db, endpoint.id, deps);
    expect(missing.ok).toBe(false);
    expect(missing.fileName).toBe(`postline-${endpoint.verificationToken}.txt`);
    expect(missing.fileUrl).toBe(rec.url(`/in/hooks/postline-${endpoint.verificationToken}.txt`));
    expect(missing.message).toContain("HTTP 404");
    expect(missing.endpoint.status).toBe("pending_verification");

    rec.files[`/in/hooks/postline-${endpoint.verificationToken}.txt`] = "something else";
    const wrong = await verifyEndpoint(t.db, endpoint.id, deps);
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toContain("does not contain the verification token");

    rec.files[`/in/hooks/postline-${endpoint.verificationToken}.txt`] = `${endpoint.verificationToken}\n`;
    const ok = await verifyEndpoint(t.db, endpoint.id, deps);
    expect(ok.ok).toBe(true);
    expect(ok.endpoint.status).toBe("active");
    expect(ok.endpoint.verifiedAt).not.toBeNull();

    // A new URL must be proven again.
    const moved = await updateEndpoint(t.db, { id: endpoint.id, settings: { url: rec.url("/other/hook") } }, deps);
    expect(moved.status).toBe("pending_verification");
    expect(moved.verificationToken).not.toBe(endpoint.verificationToken);
  });

  it("does not follow a redirect to the verification file", async () => {
    const target = await receiver();
    const rec = await receiver();
    const endpoint = await createEndpoint(t.db, { settings: { event: "Email.Delivered", url: rec.url("/hooks/x") } }, deps);
    target.files[`/hooks/${verificationFileName(endpoint.verificationToken)}`] = endpoint.verificationToken;
    // The receiver's GET handler only serves files; make it redirect instead by pointing files nowhere
    // and checking the verdict on a 3xx from a tiny redirecting server.
    const redirecting = await import("node:http").then(
      ({ default: http }) =>
        new Promise<{ url: string; close: () => void }>((resolve) => {
          const s = http.createServer((_req, res) => {
            res.writeHead(302, { location: target.url(`/hooks/${verificationFileName(endpoint.verificationToken)}`) });
            res.end();
          });
          s.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(s.address() as { port: number }).port}/hooks/x`, close: () => s.close() }));
        }),
    );
    await updateEndpoint(t.db, { id: endpoint.id, settings: { url: redirecting.url } }, deps);
    const result = await verifyEndpoint(t.db, endpoint.id, deps);
    redirecting.close();
    expect(result.ok).toBe(false);
    expect(result.message).toContain("redirects are not followed");
  });
});

describe("signed delivery", () => {
  it("sends the payload envelope with x-signature and Standard Webhooks headers that verify", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint();
    const occurredAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000);
    await t.db.transaction((tx) => enqueueOutboundEvent(tx, { event: "Email.Delivered", data: { message_id: "m-1", recipient: "ann@example.com" }, occurredAt }));
    expect(await deliverDue(t.db, deps)).toEqual(["succeeded"]);
    expect(rec.received).toHaveLength(1);
    const req = rec.received[0];
    expect(JSON.parse(req.body)).toEqual({ event: "Email.Delivered", account_id: "acct_test", created_on: occurredAt.getTime() / 1000, data: { message_id: "m-1", recipient: "ann@example.com" } });
    expect(req.headers["content-type"]).toBe("application/json");

    // Standard Webhooks, by the reference library.
    expect(new Webhook(endpoint.secret).verify(req.body, req.headers)).toMatchObject({ event: "Email.Delivered" });
    expect(req.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{32}$/);
    // x-signature, by hand: base64 HMAC-SHA256 of the raw body with the secret.
    expect(req.headers["x-signature"]).toBe(createHmac("sha256", endpoint.secret).update(req.body).digest("base64"));
    // A tampered body fails both.
    expect(() => new Webhook(endpoint.secret).verify(req.body.replace("ann", "bob"), req.headers)).toThrow();
    expect(createHmac("sha256", endpoint.secret).update(req.body.replace("ann", "bob")).digest("base64")).not.toBe(req.headers["x-signature"]);

    const [attempt] = await t.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id));
    expect(attempt).toMatchObject({ status: "succeeded", statusCode: 200, responseExcerpt: "ok", remoteAddress: "127.0.0.1" });
    expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("signs with both secrets for 24 hours after a rotation, then with the new one only; every reveal is recorded", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint();
    const rotated = await rotateSecret(t.db, { id: endpoint.id, actor: { via: "api", apiKeyId: null } }, deps);
    expect(rotated.key).not.toBe(endpoint.secret);
    expect(rotated.previousKey).toBe(endpoint.secret);
    expect(rotated.previousKeyExpiresAt!.getTime() - clock.getTime()).toBe(24 * 3_600_000);

    await enqueue(delivered());
    await deliverDue(t.db, deps);
    const during = rec.received.at(-1)!;
    expect(new Webhook(rotated.key).verify(during.body, during.headers)).toBeTruthy();
    expect(new Webhook(endpoint.secret).verify(during.body, during.headers)).toBeTruthy();
    expect(during.headers["x-signature"].split(",")).toEqual([
      createHmac("sha256", rotated.key).update(during.body).digest("base64"),
      createHmac("sha256", endpoint.secret).update(during.body).digest("base64"),
    ]);

    // After the overlap only the new secret signs (the library's timestamp check uses the real clock,
    // so the old secret is checked by hand here).
    clock = new Date(clock.getTime() + 24 * 3_600_000 + 1000);
    await enqueue(delivered());
    await deliverDue(t.db, deps);
    const after = rec.received.at(-1)!;
    expect(after.headers["x-signature"]).toBe(createHmac("sha256", rotated.key).update(after.body).digest("base64"));
    expect(after.headers["webhook-signature"].split(" ")).toHaveLength(1);

    const shown = await revealSecret(t.db, { id: endpoint.id, actor: { via: "dashboard", userId: null } }, deps);
    expect(shown.key).toBe(rotated.key);
    expect(shown.previousKey).toBeNull();
    const reveals = await t.db.select().from(webhookSecretReveals).where(eq(webhookSecretReveals.endpointId, endpoint.id));
    expect(reveals.map((r) => `${r.via}:${r.reason}`).sort()).toEqual(["api:rotate", "dashboard:reveal"]);
  });
});

describe("order, retries and disabling (injected clock)", () => {
  it("delivers in order per endpoint: a failing head holds the rest back until it succeeds", async () => {
    const rec = await receiver();
    let failures = 2;
    rec.setResponder(() => (failures-- > 0 ? { status: 503, body: "busy" } : { status: 204 }));
    const { endpoint } = await liveEndpoint({}, rec);
    const events = [delivered(), delivered(), delivered(), delivered()];
    await enqueue(...events);

    expect(await deliverDue(t.db, deps)).toEqual(["retry"]);
    // The head waits 30 s (±20% jitter; random = 0.5 gives exactly 30 s); nothing else goes meanwhile.
    const [head] = await t.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, "pending"))).orderBy(webhookDeliveries.id).limit(1);
    expect(head.nextAttemptAt.getTime() - clock.getTime()).toBe(RETRY_DELAYS_MS[0]);
    clock = new Date(clock.getTime() + 10_000);
    expect(await deliverDue(t.db, deps)).toEqual([]);
    clock = new Date(clock.getTime() + 20_000);
    expect(await deliverDue(t.db, deps)).toEqual(["retry"]);
    clock = new Date(clock.getTime() + RETRY_DELAYS_MS[1]);
    expect(await deliverDue(t.db, deps)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    const seqs = rec.received.map((r) => JSON.parse(r.body).data.seq);
    expect(seqs).toEqual([events[0], events[0], events[0], ...events.slice(1)].map((e) => e.data.seq));
    expect((await getEndpointOrThrow(t.db, endpoint.id)).consecutiveFailures).toBe(0);
  });

  it("backs off exponentially over about a day, then disables the endpoint and alerts the admins", async () => {
    const rec = await receiver({ respond: () => ({ status: 500, body: "broken" }) });
    const { endpoint } = await liveEndpoint({}, rec);
    await enqueue(delivered(), delivered());
    const start = clock.getTime();
    const waits: number[] = [];
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const verdicts = await deliverDue(t.db, deps);
      expect(verdicts).toHaveLength(1);
      const [d] = await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id)).orderBy(webhookDeliveries.id).limit(1);
      if (i < MAX_ATTEMPTS - 1) {
        expect(verdicts[0]).toBe("retry");
        waits.push(d.nextAttemptAt.getTime() - clock.getTime());
        clock = d.nextAttemptAt;
      } else {
        expect(verdicts[0]).toBe("gave_up");
        expect(d.status).toBe("failed");
      }
    }
    expect(rec.received).toHaveLength(MAX_ATTEMPTS);
    // Each wait is longer than the last, and all together span about a day.
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThan(waits[i - 1]);
    const hours = (clock.getTime() - start) / 3_600_000;
    expect(hours).toBeGreaterThan(18);
    expect(hours).toBeLessThan(30);

    const after = await getEndpointOrThrow(t.db, endpoint.id);
    expect(after.status).toBe("disabled");
    expect(after.disabledReason).toContain("Every attempt failed");
    const [alert] = await t.db.select().from(alerts).where(and(eq(alerts.kind, "outbound_webhook_disabled"), eq(alerts.dedupeKey, endpoint.id)));
    expect(alert.title).toContain("127.0.0.1");
    // The second event was never sent and still waits (not dropped) for the endpoint to come back.
    clock = new Date(clock.getTime() + 7 * 24 * 3_600_000);
    expect(await deliverDue(t.db, deps)).toEqual([]);
    const pending = await t.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, "pending")));
    expect(pending).toHaveLength(1);

    // Verifying again re-enables it and the backlog goes out.
    rec.setResponder(() => ({ status: 200 }));
    const again = await verifyEndpoint(t.db, endpoint.id, deps);
    expect(again.endpoint.status).toBe("active");
    expect(await deliverDue(t.db, deps)).toEqual(["succeeded"]);
  });

  it("disables at once on 410 Gone", async () => {
    const rec = await receiver({ respond: () => ({ status: 410, body: "gone" }) });
    const { endpoint } = await liveEndpoint({}, rec);
    await enqueue(delivered(), delivered());
    expect(await deliverDue(t.db, deps)).toEqual(["gone"]);
    const after = await getEndpointOrThrow(t.db, endpoint.id);
    expect(after.status).toBe("disabled");
    expect(after.disabledReason).toContain("410");
    expect(rec.received).toHaveLength(1);
  });

  it("retries a delivery whose worker died mid-request once its lease expires (at least once)", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint();
    await enqueue(delivered());
    const first = await claimDeliveries(t.db, deps, 10);
    expect(first.claimed).toHaveLength(1);
    // The worker "dies": nothing is recorded. No one else may send to the endpoint meanwhile.
    expect((await claimDeliveries(t.db, deps, 10)).claimed).toHaveLength(0);
    clock = new Date(clock.getTime() + 60_000);
    const second = await claimDeliveries(t.db, deps, 10);
    expect(second.claimed).toHaveLength(1);
    expect(second.claimed[0].deliveryId).toBe(first.claimed[0].deliveryId);
    expect(await performDelivery(t.db, deps, second.claimed[0])).toBe("succeeded");
    expect(rec.received).toHaveLength(1);
    const attempts = await t.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id)).orderBy(webhookDeliveryAttempts.id);
    expect(attempts.map((a) => a.status)).toEqual(["lost", "succeeded"]);
  });

  it("gives up on a silent receiver after the timeout and retries later", async () => {
    const rec = await receiver({ respond: () => ({ status: 200, delayMs: 2000 }) });
    await liveEndpoint({}, rec);
    await enqueue(delivered());
    const quick = { ...deps, timeoutMs: 300 };
    expect(await deliverDue(t.db, quick)).toEqual(["retry"]);
    const [attempt] = await t.db.select().from(webhookDeliveryAttempts).orderBy(sql`id desc`).limit(1);
    expect(attempt.error).toContain("No answer within");
    expect(attempt.statusCode).toBeNull();
  });
});

describe("rate limits", () => {
  it("never starts more than rate_limit attempts in any rate_limit_period; the excess waits and all arrive", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint({ rate_limit: 3, rate_limit_period: "minute" });
    const events = Array.from({ length: 7 }, () => delivered());
    await enqueue(...events);
    const t0 = clock.getTime();
    expect(await deliverDue(t.db, deps)).toHaveLength(3);
    clock = new Date(t0 + 30_000);
    expect(await deliverDue(t.db, deps)).toHaveLength(0);
    // The window slides: exactly one period after the first three started, three more may go.
    clock = new Date(t0 + 59_999);
    expect(await deliverDue(t.db, deps)).toHaveLength(0);
    clock = new Date(t0 + 60_000);
    expect(await deliverDue(t.db, deps)).toHaveLength(3);
    clock = new Date(t0 + 120_000);
    expect(await deliverDue(t.db, deps)).toHaveLength(1);
    expect(rec.received.map((r) => JSON.parse(r.body).data.seq)).toEqual(events.map((e) => e.data.seq));
    const ep = await getEndpointOrThrow(t.db, endpoint.id);
    expect(ep.readyAt.getTime()).toBeLessThanOrEqual(clock.getTime() + 60_000);
  });

  it("holds a per-second limit in real time across concurrent workers", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint({ rate_limit: 5, rate_limit_period: "second" });
    await enqueue(...Array.from({ length: 12 }, () => delivered()));
    const real: OutboundDeps = { ...deps, now: () => new Date() };
    // Two workers, as two app instances would run.
    await Promise.all([runOutboundDelivery(t.db, real, { budgetMs: 10_000, pollMs: 20 }), runOutboundDelivery(t.db, real, { budgetMs: 10_000, pollMs: 20 })]);
    expect(rec.received).toHaveLength(12);
    const starts = (await t.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id))).map((a) => a.startedAt.getTime()).sort((a, b) => a - b);
    for (let i = 5; i < starts.length; i++) expect(starts[i] - starts[i - 5]).toBeGreaterThanOrEqual(1000);
  });
});

describe("archive, redirects and connect-time refusal", () => {
  it("archiving stops deliveries: waiting ones are cancelled and new events are not queued", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint();
    await enqueue(delivered(), delivered());
    const archived = await archiveEndpoint(t.db, endpoint.id, deps);
    expect(archived.status).toBe("archived");
    expect(archived.archivedAt).not.toBeNull();
    await enqueue(delivered());
    expect(await deliverDue(t.db, deps)).toEqual([]);
    expect(rec.received).toHaveLength(0);
    const rows = await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id));
    expect(rows.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
    await expect(updateEndpoint(t.db, { id: endpoint.id, settings: { rate_limit: 5 } }, deps)).rejects.toMatchObject({ code: "archived" });
  });

  it("does not follow redirects: a 3xx is a failed attempt and the Location is never requested", async () => {
    const elsewhere = await receiver();
    const rec = await receiver({ respond: () => ({ status: 307, headers: { location: elsewhere.url("/stolen") } }) });
    await liveEndpoint({}, rec);
    await enqueue(delivered());
    expect(await deliverDue(t.db, deps)).toEqual(["retry"]);
    expect(elsewhere.received).toHaveLength(0);
    const [attempt] = await t.db.select().from(webhookDeliveryAttempts).orderBy(sql`id desc`).limit(1);
    expect(attempt.statusCode).toBe(307);
    expect(attempt.error).toContain("redirects are not followed");
  });

  it("refuses at connect time when the name re-resolves to an address outside the allow list (DNS rebinding)", async () => {
    const rec = await receiver();
    let rebound = false;
    // While the endpoint is created and verified the name points at 127.0.0.1 (allowed); then it is
    // rebound to 127.0.0.2, outside the allow list (nothing listens there, and nothing connects).
    const rebinding: Resolver = async () => [{ address: rebound ? "127.0.0.2" : "127.0.0.1", family: 4 }];
    const rebindDeps: OutboundDeps = { ...deps, policy: createAddressPolicy(["127.0.0.1"], rebinding) };
    const endpoint = await createEndpoint(t.db, { settings: { event: "Email.Delivered", url: `http://rebind.test:${rec.port}/hooks/in`, rate_limit: 100 } }, rebindDeps);
    rec.files[`/hooks/${verificationFileName(endpoint.verificationToken)}`] = endpoint.verificationToken;
    expect((await verifyEndpoint(t.db, endpoint.id, rebindDeps)).ok).toBe(true);
    rebound = true;
    await enqueue(delivered());
    expect(await deliverDue(t.db, rebindDeps)).toEqual(["retry"]);
    expect(rec.received).toHaveLength(0);
    const [attempt] = await t.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id));
    expect(attempt.status).toBe("refused");
    expect(attempt.error).toContain("127.0.0.2");
    expect(attempt.remoteAddress).toBeNull();
  });

  it("refuses loopback targets left out of the allow list, at creation and at connect", async () => {
    const strict: OutboundDeps = { ...deps, policy: createAddressPolicy(["127.0.0.1"]) };
    await expect(createEndpoint(t.db, { settings: { event: "Email.Delivered", url: "http://127.0.0.3:9/hook" } }, strict)).rejects.toMatchObject({ code: "url_refused" });
    await expect(createEndpoint(t.db, { settings: { event: "Email.Delivered", url: "http://2130706434:9/hook" } }, strict)).rejects.toMatchObject({ code: "url_refused" });
    await expect(createEndpoint(t.db, { settings: { event: "Email.Delivered", url: "http://[::ffff:127.0.0.2]:9/hook" } }, strict)).rejects.toMatchObject({ code: "url_refused" });
    await expect(createEndpoint(t.db, { settings: { event: "Email.Delivered", url: "http://169.254.169.254/latest/meta-data/" } }, { ...deps, policy: createAddressPolicy(["169.254.0.0/16"]) })).rejects.toMatchObject({ code: "url_refused" });
    // An endpoint saved while its address was allowed is refused once the allow list no longer has it.
    const { endpoint, receiver: rec } = await liveEndpoint();
    await enqueue(delivered());
    expect(await deliverDue(t.db, { ...deps, policy: createAddressPolicy(["127.0.0.2"]) })).toEqual(["retry"]);
    expect(rec.received).toHaveLength(0);
    const [attempt] = await t.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id));
    expect(attempt.status).toBe("refused");
  });
});

describe("delivery log, replay and the test tool", () => {
  it("replays one delivery, or every failed delivery in a time range", async () => {
    const rec = await receiver({ respond: () => ({ status: 410 }) });
    const { endpoint } = await liveEndpoint({}, rec);
    await enqueue(delivered());
    await deliverDue(t.db, deps);
    // 410 disabled it; bring it back and fail a few more the slow way.
    rec.setResponder(() => ({ status: 200 }));
    await verifyEndpoint(t.db, endpoint.id, deps);
    const [failed] = await t.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, "failed")));
    const replay = await replayDelivery(t.db, { endpointId: endpoint.id, deliveryId: failed.id }, deps);
    expect(replay.replayOfId).toBe(failed.id);
    await expect(replayDelivery(t.db, { endpointId: endpoint.id, deliveryId: replay.id }, deps)).rejects.toMatchObject({ code: "already_pending" });
    expect(await deliverDue(t.db, deps)).toEqual(["succeeded"]);
    expect(JSON.parse(rec.received.at(-1)!.body).data.seq).toBe(JSON.parse(rec.received[0].body).data.seq);
    expect(rec.received.at(-1)!.headers["webhook-id"]).toBe(rec.received[0].headers["webhook-id"]);

    // Two more failures (410 again disables; mark failed ones directly to build a range).
    await enqueue(delivered(), delivered());
    await t.db.update(webhookDeliveries).set({ status: "failed", completedAt: clock }).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, "pending")));
    const from = new Date(clock.getTime() - 60_000);
    const to = new Date(clock.getTime() + 60_000);
    expect(await replayFailedDeliveries(t.db, { endpointId: endpoint.id, from, to }, deps)).toHaveLength(3);
    // Pressing it again while those wait adds nothing.
    expect(await replayFailedDeliveries(t.db, { endpointId: endpoint.id, from, to }, deps)).toHaveLength(0);
    expect(await deliverDue(t.db, deps)).toEqual(["succeeded", "succeeded", "succeeded"]);

    const log = await listDeliveries(t.db, { endpointId: endpoint.id, filter: { limit: 50 } });
    expect(log[0].attemptLog[0]).toMatchObject({ status: "succeeded", statusCode: 200 });
    expect(log.some((d) => d.attemptLog.some((a) => a.statusCode === 410))).toBe(true);
    expect((await listDeliveries(t.db, { endpointId: endpoint.id, filter: { status: "failed" } })).every((d) => d.status === "failed")).toBe(true);
  });

  it("the test tool shows what was sent, the signed strings, the signatures and the answer", async () => {
    const rec = await receiver({ respond: () => ({ status: 202, body: '{"received":true}' }) });
    const { endpoint } = await liveEndpoint({}, rec);
    const result = await sendTestEvent(t.db, { endpointId: endpoint.id }, deps);
    expect(result.ok).toBe(true);
    expect(JSON.parse(result.request.body)).toMatchObject({ event: "Webhook.Test", account_id: "acct_test" });
    expect(result.signedContent.xSignature).toBe(result.request.body);
    expect(result.signedContent.standardWebhooks).toBe(`${result.request.headers["webhook-id"]}.${result.request.headers["webhook-timestamp"]}.${result.request.body}`);
    expect(result.signatures.xSignature).toBe(createHmac("sha256", endpoint.secret).update(result.request.body).digest("base64"));
    expect(result.response).toMatchObject({ status: 202, body: '{"received":true}' });
    expect(new Webhook(endpoint.secret).verify(rec.received[0].body, rec.received[0].headers)).toBeTruthy();

    const sample = await sendTestEvent(t.db, { endpointId: endpoint.id, event: "Email.Bounced" }, deps);
    expect(JSON.parse(sample.request.body).data).toMatchObject({ type: "HardBounce" });

    rec.setResponder(() => ({ status: 500, body: "nope" }));
    const failing = await sendTestEvent(t.db, { endpointId: endpoint.id }, deps);
    expect(failing.ok).toBe(false);
    expect(failing.response?.status).toBe(500);
    // A failed test neither retries nor counts against the endpoint.
    expect((await getEndpointOrThrow(t.db, endpoint.id)).status).toBe("active");
    const log = await listDeliveries(t.db, { endpointId: endpoint.id });
    expect(log.map((d) => [d.isTest, d.status])).toEqual([
      [true, "failed"],
      [true, "succeeded"],
      [true, "succeeded"],
    ]);
    expect(await deliverDue(t.db, deps)).toEqual([]);

    const unverified = await createEndpoint(t.db, { settings: { event: "Webhook.Test", url: rec.url("/x") } }, deps);
    await expect(sendTestEvent(t.db, { endpointId: unverified.id }, deps)).rejects.toMatchObject({ code: "not_verified" });
  });
});

describe("the outbox", () => {
  it("is written in the caller's transaction: a rollback leaves no event and no delivery", async () => {
    const { endpoint } = await liveEndpoint();
    await t.db
      .transaction(async (tx) => {
        await enqueueOutboundEvent(tx, delivered());
        throw new Error("the causing write failed");
      })
      .catch(() => {});
    expect(await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id))).toHaveLength(0);
  });

  it("fans one event out to every active subscriber in one statement, and only those", async () => {
    const a = await liveEndpoint({ events: ["Email.Delivered"] });
    const b = await liveEndpoint({ events: ["Email.Delivered", "Email.Opened"] });
    const other = await liveEndpoint({ events: ["Email.Opened"] });
    const pending = await createEndpoint(t.db, { settings: { event: "Email.Delivered", url: a.receiver.url("/p") } }, deps);
    const before = (await t.db.select({ n: sql<number>`count(*)::int` }).from(webhookEvents))[0].n;
    const n = await t.db.transaction((tx) => enqueueOutboundEvent(tx, delivered()));
    expect(n).toBe(2);
    const ids = [a.endpoint.id, b.endpoint.id, other.endpoint.id, pending.id];
    const rows = (await t.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.status, "pending"))).filter((r) => ids.includes(r.endpointId));
    expect(new Set(rows.map((r) => r.endpointId))).toEqual(new Set([a.endpoint.id, b.endpoint.id]));
    expect(rows.some((r) => r.endpointId === other.endpoint.id || r.endpointId === pending.id)).toBe(false);
    expect((await t.db.select({ n: sql<number>`count(*)::int` }).from(webhookEvents))[0].n).toBe(before + 1);
    // No subscriber: not even the event row is written.
    await t.db.transaction((tx) => enqueueOutboundEvent(tx, { event: "User.LoggedIn", data: {}, occurredAt: clock }));
    expect((await t.db.select({ n: sql<number>`count(*)::int` }).from(webhookEvents))[0].n).toBe(before + 1);
  });

  it("announces a whole sent batch as Email.Sent with one statement", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint({ events: ["Email.Sent"] });
    const rows = await t.db
      .insert(messages)
      .values(Array.from({ length: 5 }, (_, i) => ({ kind: "single" as const, toEmail: `s${i}@example.com`, fromEmail: "f@postline.test", subject: `S${i}`, messageStream: "outbound", status: "sent" as const, postmarkMessageId: `pm-sent-${i}-${Date.now()}`, sentAt: new Date(clock.getTime() - 1000) })))
      .returning();
    const n = await t.db.transaction((tx) => enqueueEmailsSent(tx, [...rows.map((r) => ({ status: "sent", postmark_message_id: r.postmarkMessageId })), { status: "failed", postmark_message_id: null }]));
    expect(n).toBe(5);
    await deliverDue(t.db, deps);
    const bodies = rec.received.map((r) => JSON.parse(r.body));
    expect(bodies).toHaveLength(5);
    expect(bodies[0]).toMatchObject({ event: "Email.Sent", data: { recipient: expect.stringMatching(/@example\.com$/), subject: expect.stringMatching(/^S\d$/) } });
    expect(new Set(bodies.map((b) => b.data.message_id))).toEqual(new Set(rows.map((r) => r.id)));
    expect(endpoint.events).toEqual(["Email.Sent"]);
  });

  it("is written in ingestion's transaction: a stored Postmark event announces itself, and a failed commit leaves neither", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint({ events: ["Email.Delivered", "Email.Opened"] });
    const pm = `pm-ingest-${Date.now()}`;
    const [m] = await t.db
      .insert(messages)
      .values({ kind: "single", toEmail: "ivy@example.com", fromEmail: "f@postline.test", subject: "Hi", messageStream: "outbound", status: "sent", postmarkMessageId: pm, sentAt: new Date() })
      .returning();
    const deliveredAt = new Date(clock.getTime() - 2000).toISOString();
    const delivery = postmarkEventSchema.parse({ RecordType: "Delivery", MessageID: pm, Recipient: "ivy@example.com", DeliveredAt: deliveredAt, MessageStream: "outbound", Metadata: {}, Details: "ok" });
    expect((await ingestPostmarkEvent(t.db, delivery)).outcome).toBe("stored");
    // A retried post is a duplicate: announced once.
    expect((await ingestPostmarkEvent(t.db, delivery)).outcome).toBe("duplicate");
    await deliverDue(t.db, deps);
    expect(rec.received.map((r) => JSON.parse(r.body))).toEqual([
      expect.objectContaining({ event: "Email.Delivered", data: expect.objectContaining({ message_id: m.id, postmark_message_id: pm, recipient: "ivy@example.com", delivered_at: deliveredAt }) }),
    ]);

    // Make the commit fail after everything was written (a deferred check on the outbox): the event,
    // the message change and the outbox row all disappear together.
    await t.db.execute(sql`
      create function fail_commit() returns trigger language plpgsql as $$ begin raise exception 'commit refused for the test'; end $$;
      create constraint trigger fail_commit after insert on webhook_deliveries deferrable initially deferred for each row execute function fail_commit();`);
    try {
      const open = postmarkEventSchema.parse({ RecordType: "Open", MessageID: pm, Recipient: "ivy@example.com", ReceivedAt: new Date(clock.getTime() - 1000).toISOString(), FirstOpen: true, MessageStream: "outbound", Metadata: {} });
      await expect(ingestPostmarkEvent(t.db, open)).rejects.toThrow();
      expect(await t.db.select().from(messageEvents).where(and(eq(messageEvents.postmarkMessageId, pm), eq(messageEvents.recordType, "Open")))).toHaveLength(0);
      expect((await t.db.select().from(messages).where(eq(messages.id, m.id)))[0].status).toBe("delivered");
      expect(await t.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.event, "Email.Opened")))).toHaveLength(0);
    } finally {
      await t.db.execute(sql`drop trigger fail_commit on webhook_deliveries; drop function fail_commit();`);
    }
  });
});

describe("listing", () => {
  it("lists endpoints with their backlog and last answer", async () => {
    const { endpoint } = await liveEndpoint();
    await enqueue(delivered(), delivered());
    await deliverDue(t.db, deps, { maxRounds: 1 });
    const { listEndpoints } = await import("./endpoints");
    const row = (await listEndpoints(t.db)).find((e) => e.id === endpoint.id)!;
    expect(row).toMatchObject({ pending: 1, failed: 0, lastStatusCode: 200 });
    expect(row.lastAttemptAt).toBeInstanceOf(Date);
  });
});
