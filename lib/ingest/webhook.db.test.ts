import fs from "node:fs";
import path from "node:path";
import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@/db";
import { alerts, messageEvents, suspiciousRequests } from "@/db/schema";
import { sendAlertDigests, type AlertEmailer } from "@/lib/alerts/alerts";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { sharedDir } from "@/lib/local/postmark-sandbox/test-support";
import { ABUSE_LIMIT, handlePostmarkWebhook, MAX_WEBHOOK_BYTES, type WebhookConfig, type WebhookDeps } from "./webhook";

const SECRET = "s".repeat(40);
const delivery = fs.readFileSync(path.join(sharedDir(), "postmark/webhooks/delivery.json"), "utf8");

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const emails: string[] = [];
const emailer: AlertEmailer = { emailAdmins: async (subject) => void emails.push(subject) };

function deps(ip: string, config: Partial<WebhookConfig> = {}, extra: Partial<WebhookDeps> = {}): WebhookDeps {
  return { db: t.db, config: { secret: SECRET, ...config }, ip, emailer, blocked: new Map(), now: () => new Date(), ...extra };
}

function post(body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Request {
  return new Request("http://127.0.0.1/api/webhooks/postmark", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-webhook-secret": SECRET, "user-agent": "Postmark", ...headers },
  });
}

async function lastSuspicious() {
  const [row] = await t.db.select().from(suspiciousRequests).orderBy(desc(suspiciousRequests.id)).limit(1);
  return row;
}

describe("POST /api/webhooks/postmark checks (real PostgreSQL)", () => {
  it("accepts a documented payload and stores it", async () => {
    const res = await handlePostmarkWebhook(post(delivery), deps("10.0.0.1"));
    expect(res.status).toBe(200);
    expect((await res.json()).data.outcome).toBe("orphan");
    expect(await t.db.$count(messageEvents)).toBe(1);
  });

  it.each([
    ["a missing secret", { "x-webhook-secret": "" }, 401, "secret_missing"],
    ["a wrong secret", { "x-webhook-secret": "guess" }, 401, "secret_mismatch"],
  ])("answers %s with 401 and records it without the secret", async (_name, headers, status, reason) => {
    const res = await handlePostmarkWebhook(post(delivery, headers as Record<string, string>), deps("10.0.1.1"));
    expect(res.status).toBe(status);
    expect((await res.json()).error.code).toBe(reason);
    const row = await lastSuspicious();
    expect(row).toMatchObject({ reason, ip: "10.0.1.1", userAgent: "Postmark", route: "/api/webhooks/postmark" });
    expect(row.headerNames).toContain("x-webhook-secret");
    expect(row.bodySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain("guess");
  });

  it("accepts the previous secret too during a rotation, and only then", async () => {
    const old = "o".repeat(40);
    expect((await handlePostmarkWebhook(post(delivery, { "x-webhook-secret": old }), deps("10.0.1.9", { previousSecret: old }))).status).toBe(200);
    expect((await handlePostmarkWebhook(post(delivery), deps("10.0.1.9", { previousSecret: old }))).status).toBe(200);
    const refused = await handlePostmarkWebhook(post(delivery, { "x-webhook-secret": old }), deps("10.0.1.9"));
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe("secret_mismatch");
  });

  it("checks basic auth when configured, after the secret", async () => {
    const config = { basicAuth: { username: "pm", password: "pw-123" } };
    expect((await handlePostmarkWebhook(post(delivery), deps("10.0.2.1", config))).status).toBe(401);
    expect((await lastSuspicious()).reason).toBe("basic_auth_missing");
    const wrong = `Basic ${Buffer.from("pm:nope").toString("base64")}`;
    expect((await handlePostmarkWebhook(post(delivery, { authorization: wrong }), deps("10.0.2.1", config))).status).toBe(401);
    expect((await lastSuspicious()).reason).toBe("basic_auth_mismatch");
    const right = `Basic ${Buffer.from("pm:pw-123").toString("base64")}`;
    expect((await handlePostmarkWebhook(post(delivery, { authorization: right }), deps("10.0.2.1", config))).status).toBe(200);
  });

  it("refuses sources outside the allow list when it is on", async () => {
    const res = await handlePostmarkWebhook(post(delivery), deps("10.0.3.1", { ipAllowlist: ["50.31.156.0/24"] }));
    expect(res.status).toBe(401);
    expect((await lastSuspicious()).reason).toBe("source_ip_not_allowed");
    expect((await handlePostmarkWebhook(post(delivery), deps("50.31.156.6", { ipAllowlist: ["50.31.156.0/24"] }))).status).toBe(200);
  });

  it("refuses oversized bodies (413), other content types (415), bad JSON (400) and wrong shapes (422) without storing", async () => {
    const before = await t.db.$count(messageEvents);
    const big = new Uint8Array(MAX_WEBHOOK_BYTES + 10).fill(32);
    // Without a content-length the stream is cut at the cap.
    const stream = new Request("http://127.0.0.1/x", { method: "POST", body: new Blob([big]).stream(), headers: { "content-type": "application/json", "x-webhook-secret": SECRET }, duplex: "half" } as RequestInit);
    expect((await handlePostmarkWebhook(stream, deps("10.0.4.1"))).status).toBe(413);
    expect((await handlePostmarkWebhook(post(delivery, { "content-length": String(MAX_WEBHOOK_BYTES + 1) }), deps("10.0.4.1"))).status).toBe(413);
    expect((await handlePostmarkWebhook(post(delivery, { "content-type": "text/plain" }), deps("10.0.4.1"))).status).toBe(415);
    expect((await handlePostmarkWebhook(post("{\"RecordType\":"), deps("10.0.4.1"))).status).toBe(400);
    expect((await handlePostmarkWebhook(post(new Uint8Array([0x7b, 0xff, 0x7d]) as Uint8Array<ArrayBuffer>), deps("10.0.4.1"))).status).toBe(400);
    const res = await handlePostmarkWebhook(post(JSON.stringify({ RecordType: "Delivery", MessageID: 42 })), deps("10.0.4.1"));
    expect(res.status).toBe(422);
    expect((await res.json()).error.code).toBe("invalid_payload");
    expect((await handlePostmarkWebhook(post(JSON.stringify({ RecordType: "Inbound" })), deps("10.0.4.1"))).status).toBe(422);
    expect(await t.db.$count(messageEvents)).toBe(before);
  });

  it("answers a source that keeps failing with 429, while Postmark's own posts still pass", async () => {
    const d = deps("10.0.5.1");
    const statuses: number[] = [];
    for (let i = 0; i < ABUSE_LIMIT.limit + 5; i++) statuses.push((await handlePostmarkWebhook(post("{}", { "x-webhook-secret": "bad" }), d)).status);
    expect(statuses.slice(0, ABUSE_LIMIT.limit)).toEqual(Array(ABUSE_LIMIT.limit).fill(401));
    expect(statuses.slice(ABUSE_LIMIT.limit)).toEqual(Array(5).fill(429));
    const recorded = await t.db.$count(suspiciousRequests, eq(suspiciousRequests.ip, "10.0.5.1"));
    expect(recorded).toBe(ABUSE_LIMIT.limit);
    expect((await handlePostmarkWebhook(post(delivery), deps("10.0.5.2"))).status).toBe(200);
  });

  it("alerts admins at once for the first failure of a reason, then only by digest", async () => {
    emails.length = 0;
    await t.db.delete(alerts);
    const now = new Date("2026-06-01T10:00:00Z");
    // The first email goes after its response (the app hands it to Next's after()); here each
    // request's hand-off is finished before the next request, as it would be in a slow flood.
    const handedOff: Promise<unknown>[] = [];
    const afterResponse = (work: () => Promise<unknown>) => void handedOff.push(work());
    for (let i = 0; i < 5; i++) {
      await handlePostmarkWebhook(post("{}", { "x-webhook-secret": "flood" }), deps(`10.1.0.${i}`, {}, { now: () => now, afterResponse }));
      await Promise.all(handedOff);
    }
    expect(emails).toHaveLength(1);
    const [alert] = await t.db.select().from(alerts);
    expect(alert).toMatchObject({ kind: "suspicious_request", dedupeKey: "secret_mismatch", occurrences: 5, emailedOccurrences: 1 });
    expect(await sendAlertDigests(t.db, { emailer, now: new Date(now.getTime() + 60_000) })).toBe(0);
    expect(await sendAlertDigests(t.db, { emailer, now: new Date(now.getTime() + 16 * 60_000) })).toBe(1);
    expect(emails[1]).toMatch(/Digest: .* \(4 more\)/);
    expect(await sendAlertDigests(t.db, { emailer, now: new Date(now.getTime() + 40 * 60_000) })).toBe(0);
  });

  it("answers 503 quickly when the database is unreachable, so Postmark retries", async () => {
    const down = createDb("postgres://postgres:postgres@127.0.0.1:1/none", { connectionTimeoutMillis: 2500 });
    const started = Date.now();
    const res = await handlePostmarkWebhook(post(delivery), { ...deps("10.0.6.1"), db: down });
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3000);
    await down.$client.end();
  });
});
