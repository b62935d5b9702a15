import { createHmac } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { webhookDeliveryAttempts, webhookSecretReveals } from "@/db/schema";
import { outboundTestBed } from "@/lib/tooling/testing/outbound-bed";
import { deliverDue } from "./test-support";
import { revealSecret, rotateSecret } from "./endpoints";
import { enqueueOutboundEvent } from "./outbox";

// Every receiver listens on 127.0.0.1; no test sends anything to another address.
const bed = outboundTestBed();
const { deps, receiver, liveEndpoint, delivered, enqueue } = bed;

describe("signed delivery", () => {
  it("sends the payload envelope with x-signature and Standard Webhooks headers that verify", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint();
    const occurredAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000);
    await bed.db.transaction((tx) => enqueueOutboundEvent(tx, { event: "Email.Delivered", data: { message_id: "m-1", recipient: "ann@example.com" }, occurredAt }));
    expect(await deliverDue(bed.db, deps)).toEqual(["succeeded"]);
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

    const [attempt] = await bed.db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpoint.id));
    expect(attempt).toMatchObject({ status: "succeeded", statusCode: 200, responseExcerpt: "ok", remoteAddress: "127.0.0.1" });
    expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("signs with both secrets for 24 hours after a rotation, then with the new one only; every reveal is recorded", async () => {
    const { endpoint, receiver: rec } = await liveEndpoint();
    const rotated = await rotateSecret(bed.db, { id: endpoint.id, actor: { via: "api", apiKeyId: null } }, deps);
    expect(rotated.key).not.toBe(endpoint.secret);
    expect(rotated.previousKey).toBe(endpoint.secret);
    expect(rotated.previousKeyExpiresAt!.getTime() - bed.clock.getTime()).toBe(24 * 3_600_000);

    await enqueue(delivered());
    await deliverDue(bed.db, deps);
    const during = rec.received.at(-1)!;
    expect(new Webhook(rotated.key).verify(during.body, during.headers)).toBeTruthy();
    expect(new Webhook(endpoint.secret).verify(during.body, during.headers)).toBeTruthy();
    expect(during.headers["x-signature"].split(",")).toEqual([
      createHmac("sha256", rotated.key).update(during.body).digest("base64"),
      createHmac("sha256", endpoint.secret).update(during.body).digest("base64"),
    ]);

    // After the overlap only the new secret signs (the library's timestamp check uses the real bed.clock,
    // so the old secret is checked by hand here).
    bed.clock = new Date(bed.clock.getTime() + 24 * 3_600_000 + 1000);
    await enqueue(delivered());
    await deliverDue(bed.db, deps);
    const after = rec.received.at(-1)!;
    expect(after.headers["x-signature"]).toBe(createHmac("sha256", rotated.key).update(after.body).digest("base64"));
    expect(after.headers["webhook-signature"].split(" ")).toHaveLength(1);

    const shown = await revealSecret(bed.db, { id: endpoint.id, actor: { via: "dashboard", userId: null } }, deps);
    expect(shown.key).toBe(rotated.key);
    expect(shown.previousKey).toBeNull();
    const reveals = await bed.db.select().from(webhookSecretReveals).where(eq(webhookSecretReveals.endpointId, endpoint.id));
    expect(reveals.map((r) => `${r.via}:${r.reason}`).sort()).toEqual(["api:rotate", "dashboard:reveal"]);
  });
});
