import fs from "node:fs";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { functionsFolder } from "@/db/repeatable-sql";
import { alerts, webhookDeliveries, webhookDeliveryAttempts } from "@/db/schema";
import { outboundTestBed } from "@/lib/tooling/testing/outbound-bed";
import { createAddressPolicy, type Resolver } from "./address-policy";
import { claimDeliveries, MAX_ATTEMPTS, nextDueAt, performDelivery, RETRY_DELAYS_MS, runOutboundDelivery } from "./delivery-loop";
import { type OutboundDeps } from "./deps";
import { archiveEndpoint, createEndpoint, getEndpointOrThrow, updateEndpoint, verificationFileName, verifyEndpoint } from "./endpoints";
import { deliverDue } from "./test-support";

// Every receiver listens on 127.0.0.1; no test sends anything to another address.
const bed = outboundTestBed();
const { deps, receiver, liveEndpoint, delivered, enqueue } = bed;

describe("order, retries and disabling (injected clock)", () => {
  it("delivers in order per endpoint: a failing head holds the rest back until it succeeds", async () => {
    const rec = await receiver();
    let failures = 2;
    rec.setResponder(() => (failures-- > 0 ? { status: 503, body: "busy" } : { status: 204 }));
    const { endpoint } = await liveEndpoint({}, rec);
    const events = [delivered(), delivered(), delivered(), delivered()];
    await enqueue(...events);

    expect(await deliverDue(bed.db, deps)).toEqual(["retry"]);
    // The head waits 30 s (±20% jitter; random = 0.5 gives exactly 30 s); nothing else goes meanwhile.
    const [head] = await bed.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, "pending"))).orderBy(webhookDeliveries.id).limit(1);
    expect(head.nextAttemptAt.getTime() - bed.clock.getTime()).toBe(RETRY_DELAYS_MS[0]);
    bed.clock = new Date(bed.clock.getTime() + 10_000);
    expect(await deliverDue(bed.db, deps)).toEqual([]);
    bed.clock = new Date(bed.clock.getTime() + 20_000);
    expect(await deliverDue(bed.db, deps)).toEqual(["retry"]);
    bed.clock = new Date(bed.clock.getTime() + RETRY_DELAYS_MS[1]);
    expect(await deliverDue(bed.db, deps)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    const seqs = rec.received.map((r) => JSON.parse(r.body).data.seq);
    expect(seqs).toEqual([events[0], events[0], events[0], ...events.slice(1)].map((e) => e.data.seq));
    expect((await getEndpointOrThrow(bed.db, endpoint.id)).consecutiveFailures).toBe(0);
  });

  it("knows when the next waiting endpoint may go: none while nothing waits, then now, then the head's retry", async () => {
    const rec = await receiver({ respond: () => ({ status: 503, body: "busy" }) });
    await liveEndpoint({}, rec);
    expect(await nextDueAt(bed.db)).toBeNull();
    await enqueue(delivered(), delivered());
    expect((await nextDueAt(bed.db))!.getTime()).toBeLessThanOrEqual(bed.clock.getTime());
    expect(await deliverDue(bed.db, deps)).toEqual(["retry"]);
    expect((await nextDueAt(bed.db))!.getTime() - bed.clock.getTime()).toBe(RETRY_DELAYS_MS[0]);
  });

  it("backs off exponentially over about a day, then disables the endpoint and alerts the admins", async () => {
    const rec = await receiver({ respond: () => ({ status: 500, body: "broken" }) });
    const { endpoint } = await liveEndpoint({}, rec);
    await enqueue(delivered(), delivered());
    const start = bed.clock.getTime();
    const waits: number[] = [];
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const verdicts = await deliverDue(bed.db, deps);
      expect(verdicts).toHaveLength(1);
      const [d] = await bed.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id)).orderBy(webhookDeliveries.id).limit(1);
      if (i < MAX_ATTEMPTS - 1) {
        expect(verdicts[0]).toBe("retry");
        waits.push(d.nextAttemptAt.getTime() - bed.clock.getTime());
        bed.clock = d.nextAttemptAt;
      } else {
        expect(verdicts[0]).toBe("gave_up");
        expect(d.status).toBe("failed");
      }
    }
    expect(rec.received).toHaveLength(MAX_ATTEMPTS);
    // Each wait is longer than the last, and all together span about a day.
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThan(waits[i - 1]);
    const hours = (bed.clock.getTime() - start) / 3_600_000;
    expect(hours).toBeGreaterThan(18);
    expect(hours).toBeLessThan(30);

    const after = await getEndpointOrThrow(bed.db, endpoint.id);
    expect(after.status).toBe("disabled");
    expect(after.disabledReason).toContain("Every attempt failed");
    const [alert] = await bed.db.select().from(alerts).where(and(eq(alerts.kind, "outbound_webhook_disabled"), eq(alerts.dedupeKey, endpoint.id)));
    expect(alert.title).toContain("127.0.0.1");
    // The second event was never sent and still waits (not dropped) for the endpoint to come back.
    bed.clock = new Date(bed.clock.getTime() + 7 * 24 * 3_600_000);
    expect(await deliverDue(bed.db, deps)).toEqual([]);
    const pending = await bed.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, "pending")));
    expect(pending).toHaveLength(1);

    // Verifying again re-enables it and the backlog goes out.
    rec.setResponder(() => ({ status: 200 }));
    const again = await verifyEndpoint(bed.db, endpoint.id, deps);
    expect(again.endpoint.status).toBe("active");
    expect(await deliverDue(bed.db, deps)).toEqual(["succeeded"]);
  });

  it("disables at once on 410 Gone", async () => {
    const rec = await receiver({ respond: () => ({ status: 410, body: "gone" }) });
    const { endpoint } = await liveEndpoint({}, rec);
    await enqueue(delivered(), delivered());
    expect(await deliverDue(bed.db, deps)).toEqual(["gone"]);
    const after = await getEndpointOrThrow(bed.db, endpoint.id);
    expect(after.status).toBe("disabled");
    expect(after.disabledReason).toContain("410");
    expect(rec.received).toHaveLength(1);
  });

  it("retries a delivery whose worker died mid-request once its lease expires (at least once)", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint();
    await enqueue(delivered());
    const first = await claimDeliveries(bed.db, { max: 10 }, deps);
    expect(first.claimed).toHaveLength(1);
    // The worker "dies": nothing is recorded. No one else may send to the endpoint meanwhile.
    expect((await claimDeliveries(bed.db, { max: 10 }, deps)).claimed).toHaveLength(0);
    bed.clock = new Date(bed.clock.getTime() + 60_000);
    const second = await claimDeliveries(bed.db, { max: 10 }, deps);
    expect(second.claimed).toHaveLength(1);
    expect(second.claimed[0].deliveryId).toBe(first.claimed[0].deliveryId);
    expect(await performDelivery(bed.db, second.claimed[0], deps)).toBe("succeeded");
    expect(rec.received).toHaveLength(1);
    const attempts = await bed.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id)).orderBy(webhookDeliveryAttempts.id);
    expect(attempts.map((a) => a.status)).toEqual(["lost", "succeeded"]);
  });

  it("gives up on a silent receiver after the timeout and retries later", async () => {
    const rec = await receiver({ respond: () => ({ status: 200, delayMs: 2000 }) });
    await liveEndpoint({}, rec);
    await enqueue(delivered());
    const quick = { ...deps, timeoutMs: 300 };
    expect(await deliverDue(bed.db, quick)).toEqual(["retry"]);
    const [attempt] = await bed.db.select().from(webhookDeliveryAttempts).orderBy(sql`id desc`).limit(1);
    expect(attempt.error).toContain("No answer within");
    expect(attempt.statusCode).toBeNull();
  });
});

describe("rate limits", () => {
  it("never starts more than rate_limit attempts in any rate_limit_period; the excess waits and all arrive", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint({ rate_limit: 3, rate_limit_period: "minute" });
    const events = Array.from({ length: 7 }, () => delivered());
    await enqueue(...events);
    const t0 = bed.clock.getTime();
    expect(await deliverDue(bed.db, deps)).toHaveLength(3);
    bed.clock = new Date(t0 + 30_000);
    expect(await deliverDue(bed.db, deps)).toHaveLength(0);
    // The window slides: exactly one period after the first three started, three more may go.
    bed.clock = new Date(t0 + 59_999);
    expect(await deliverDue(bed.db, deps)).toHaveLength(0);
    bed.clock = new Date(t0 + 60_000);
    expect(await deliverDue(bed.db, deps)).toHaveLength(3);
    bed.clock = new Date(t0 + 120_000);
    expect(await deliverDue(bed.db, deps)).toHaveLength(1);
    expect(rec.received.map((r) => JSON.parse(r.body).data.seq)).toEqual(events.map((e) => e.data.seq));
    const ep = await getEndpointOrThrow(bed.db, endpoint.id);
    expect(ep.readyAt.getTime()).toBeLessThanOrEqual(bed.clock.getTime() + 60_000);
  });

  it("holds a per-second limit in real time across concurrent workers", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint({ rate_limit: 5, rate_limit_period: "second" });
    await enqueue(...Array.from({ length: 12 }, () => delivered()));
    const real: OutboundDeps = { ...deps, now: () => new Date() };
    // Two workers, as two app instances would run.
    await Promise.all([runOutboundDelivery(bed.db, { budgetMs: 10_000, pollMs: 20 }, real), runOutboundDelivery(bed.db, { budgetMs: 10_000, pollMs: 20 }, real)]);
    expect(rec.received).toHaveLength(12);
    const starts = (await bed.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id))).map((a) => a.startedAt.getTime()).sort((a, b) => a - b);
    for (let i = 5; i < starts.length; i++) expect(starts[i] - starts[i - 5]).toBeGreaterThanOrEqual(1000);
  });
});

describe("one endpoint's deliveries back to back", () => {
  const real: OutboundDeps = { ...deps, now: () => new Date() };

  it("claims an endpoint's next head with each success: all in order, one attempt each, never two in flight", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint();
    const events = Array.from({ length: 20 }, () => delivered());
    await enqueue(...events);
    const run = await runOutboundDelivery(bed.db, { budgetMs: 10_000, pollMs: 20 }, real);
    expect(run).toMatchObject({ attempted: 20, succeeded: 20, failed: 0 });
    expect(rec.received.map((r) => JSON.parse(r.body).data.seq)).toEqual(events.map((e) => e.data.seq));
    const attempts = await bed.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id)).orderBy(webhookDeliveryAttempts.id);
    expect(attempts.map((a) => a.status)).toEqual(Array(20).fill("succeeded"));
    expect(new Set(attempts.map((a) => a.deliveryId)).size).toBe(20);
    // Each attempt started only once the one before it had its answer recorded.
    for (let i = 1; i < attempts.length; i++) expect(attempts[i].startedAt.getTime()).toBeGreaterThanOrEqual(attempts[i - 1].finishedAt!.getTime());
    const ep = await getEndpointOrThrow(bed.db, endpoint.id);
    expect(ep.leaseAttemptId).toBeNull();
  });

  it("records a success alone when claiming the next head with it fails: every delivery sent once", async () => {
    // The chained claim (only_endpoint set) fails inside the database; the loop's own claims still work.
    const original = fs.readFileSync(path.join(functionsFolder, "postline_claim_deliveries.sql"), "utf8").replace(/^DROP FUNCTION[^\n]*\n/m, "");
    const failing = original.replace(/\nBEGIN\n/, "\nBEGIN\n  IF only_endpoint IS NOT NULL THEN RAISE EXCEPTION 'chained claim refused (test)'; END IF;\n");
    expect(failing).not.toBe(original);
    const { endpoint, receiver: rec } = await liveEndpoint();
    const events = Array.from({ length: 5 }, () => delivered());
    await enqueue(...events);
    const logged: string[] = [];
    await bed.db.execute(sql.raw(failing));
    try {
      const run = await runOutboundDelivery(bed.db, { budgetMs: 10_000, pollMs: 20 }, { ...real, log: (m) => logged.push(m) });
      expect(run).toMatchObject({ attempted: 5, succeeded: 5 });
    } finally {
      await bed.db.execute(sql.raw(original));
    }
    expect(logged.filter((m) => m.includes("chained claim refused (test)")), logged.join("\n")).toHaveLength(5);
    expect(rec.received.map((r) => JSON.parse(r.body).data.seq)).toEqual(events.map((e) => e.data.seq));
    const attempts = await bed.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id));
    expect(attempts.map((a) => a.status)).toEqual(Array(5).fill("succeeded"));
  });

  it("takes turns between endpoints when every slot is busy (a busy endpoint does not keep its slot)", async () => {
    const a = await liveEndpoint();
    const b = await liveEndpoint();
    await enqueue(...Array.from({ length: 4 }, () => delivered()));
    await runOutboundDelivery(bed.db, { budgetMs: 10_000, pollMs: 20, concurrency: 1 }, real);
    const arrivals = [...a.receiver.received.map((r) => ({ at: r.at, who: "a" })), ...b.receiver.received.map((r) => ({ at: r.at, who: "b" }))].sort((x, y) => x.at - y.at);
    expect(arrivals).toHaveLength(8);
    // One slot: an endpoint never gets two in a row while the other has work waiting.
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i].who).not.toBe(arrivals[i - 1].who);
  });
});

describe("archive, redirects and connect-time refusal", () => {
  it("archiving stops deliveries: waiting ones are cancelled and new events are not queued", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint();
    await enqueue(delivered(), delivered());
    const archived = await archiveEndpoint(bed.db, endpoint.id, deps);
    expect(archived.status).toBe("archived");
    expect(archived.archivedAt).not.toBeNull();
    await enqueue(delivered());
    expect(await deliverDue(bed.db, deps)).toEqual([]);
    expect(rec.received).toHaveLength(0);
    const rows = await bed.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id));
    expect(rows.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
    await expect(updateEndpoint(bed.db, { id: endpoint.id, settings: { rate_limit: 5 } }, deps)).rejects.toMatchObject({ code: "archived" });
  });

  it("does not follow redirects: a 3xx is a failed attempt and the Location is never requested", async () => {
    const elsewhere = await receiver();
    const rec = await receiver({ respond: () => ({ status: 307, headers: { location: elsewhere.url("/stolen") } }) });
    await liveEndpoint({}, rec);
    await enqueue(delivered());
    expect(await deliverDue(bed.db, deps)).toEqual(["retry"]);
    expect(elsewhere.received).toHaveLength(0);
    const [attempt] = await bed.db.select().from(webhookDeliveryAttempts).orderBy(sql`id desc`).limit(1);
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
    const endpoint = await createEndpoint(bed.db, { settings: { event: "Email.Delivered", url: `http://rebind.test:${rec.port}/hooks/in`, rate_limit: 100 } }, rebindDeps);
    rec.files[`/hooks/${verificationFileName(endpoint.verificationToken)}`] = endpoint.verificationToken;
    expect((await verifyEndpoint(bed.db, endpoint.id, rebindDeps)).ok).toBe(true);
    rebound = true;
    await enqueue(delivered());
    expect(await deliverDue(bed.db, rebindDeps)).toEqual(["retry"]);
    expect(rec.received).toHaveLength(0);
    const [attempt] = await bed.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id));
    expect(attempt.status).toBe("refused");
    expect(attempt.error).toContain("127.0.0.2");
    expect(attempt.remoteAddress).toBeNull();
  });

  it("refuses loopback targets left out of the allow list, at creation and at connect", async () => {
    const strict: OutboundDeps = { ...deps, policy: createAddressPolicy(["127.0.0.1"]) };
    await expect(createEndpoint(bed.db, { settings: { event: "Email.Delivered", url: "http://127.0.0.3:9/hook" } }, strict)).rejects.toMatchObject({ code: "url_refused" });
    await expect(createEndpoint(bed.db, { settings: { event: "Email.Delivered", url: "http://2130706434:9/hook" } }, strict)).rejects.toMatchObject({ code: "url_refused" });
    await expect(createEndpoint(bed.db, { settings: { event: "Email.Delivered", url: "http://[::ffff:127.0.0.2]:9/hook" } }, strict)).rejects.toMatchObject({ code: "url_refused" });
    await expect(createEndpoint(bed.db, { settings: { event: "Email.Delivered", url: "http://169.254.169.254/latest/meta-data/" } }, { ...deps, policy: createAddressPolicy(["169.254.0.0/16"]) })).rejects.toMatchObject({ code: "url_refused" });
    // An endpoint saved while its address was allowed is refused once the allow list no longer has it.
    const { endpoint, receiver: rec } = await liveEndpoint();
    await enqueue(delivered());
    expect(await deliverDue(bed.db, { ...deps, policy: createAddressPolicy(["127.0.0.2"]) })).toEqual(["retry"]);
    expect(rec.received).toHaveLength(0);
    const [attempt] = await bed.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id));
    expect(attempt.status).toBe("refused");
  });
});
