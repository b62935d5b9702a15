/**
 * The sandbox's payloads against the documented Postmark examples in shared/postmark: for each documented
 * webhook (the UI "test payload" variants aside) the sandbox's payload of that RecordType has the same
 * keys, recursively, and the same JSON type per key (null only where the example has null).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostmarkClient } from "../../postmark/client";
import { startPostmarkSandbox, type PostmarkSandbox } from "./server";
import { readFixture, sharedDir, startReceiver, type Receiver } from "./test-support";

type Shape = string | { [key: string]: Shape } | Shape[];

/** Keys and JSON types, recursively; arrays by the shape of their first element. */
function shape(value: unknown): Shape {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shape(v)]),
    );
  }
  return typeof value;
}

/**
 * The documented shape with nulls that may legitimately carry a value (SubscriptionChange's
 * MessageID/SuppressionReason/Tag are null only for reactivations) left as in the example. Metadata
 * maps compare as "object of strings" since their keys are the sender's.
 */
function normalise(s: Shape, key = ""): Shape {
  if (key === "Metadata") return "metadata";
  if (typeof s === "string") return s;
  if (Array.isArray(s)) return s.map((x) => normalise(x));
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, normalise(v, k)]));
}

const TOKEN = "conformance";
let sandbox: PostmarkSandbox;
let receiver: Receiver;
const client = () => createPostmarkClient({ serverToken: TOKEN, apiUrl: sandbox.url, timeoutSeconds: 5 });
const sent: Record<string, string> = {};

beforeAll(async () => {
  receiver = await startReceiver();
  // The virtual clock: flush moves time on to the click (11 s after delivery at the fast pace).
  sandbox = await startPostmarkSandbox({ serverToken: TOKEN, delayMs: 1, webhook: { url: receiver.url }, clock: "virtual" });
  const c = client();
  for (const to of ["click@example.com", "hardbounce@example.com", "spam@example.com", "unsubscribe@example.com"]) {
    const r = await c.sendEmail({ From: "news@postline.test", To: to, Subject: "Hi", HtmlBody: "<p>x</p>", Tag: "tag", Metadata: { a_key: "a_value" } });
    sent[to] = r.MessageID;
  }
  await sandbox.flushWebhooks();
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

const webhookDir = path.join(sharedDir(), "postmark", "webhooks");
const documented = fs.readdirSync(webhookDir).filter((f) => f.endsWith(".json") && !f.includes("test-payload"));

describe("webhook payloads match the documented examples", () => {
  it("covers all six RecordTypes", () => {
    const kinds = new Set(documented.map((f) => (readFixture(`webhooks/${f}`) as { RecordType: string }).RecordType));
    expect([...kinds].sort()).toEqual(["Bounce", "Click", "Delivery", "Open", "SpamComplaint", "SubscriptionChange"]);
  });

  it.each(documented)("%s", (file) => {
    const fixture = readFixture(`webhooks/${file}`) as Record<string, unknown>;
    const ours = receiver.posts.find((p) => p.body.RecordType === fixture.RecordType && p.body.MessageID !== null);
    expect(ours, `no ${fixture.RecordType} posted`).toBeDefined();
    expect(normalise(shape(ours!.body))).toEqual(normalise(shape(fixture)));
    // The values that join an event to our message are real, not the example's.
    expect(Object.values(sent)).toContain(ours!.body.MessageID);
    expect(ours!.body.Metadata).toEqual({ a_key: "a_value" });
    expect(Number.isInteger(ours!.body.ServerID ?? 0)).toBe(true);
  });

  it("the test-payload variants differ only by ReadSeconds (Open) from what the sandbox sends", () => {
    for (const file of fs.readdirSync(webhookDir).filter((f) => f.includes("test-payload"))) {
      const fixture = readFixture(`webhooks/${file}`) as Record<string, unknown>;
      const ours = receiver.posts.find((p) => p.body.RecordType === fixture.RecordType)!.body;
      const missing = Object.keys(fixture).filter((k) => !(k in ours));
      expect(missing, file).toEqual(fixture.RecordType === "Open" ? ["ReadSeconds"] : []);
    }
  });
});

describe("API responses match the documented examples", () => {
  it("POST /email", async () => {
    const r = await client().sendEmail({ From: "a@postline.test", To: "b@example.com", Subject: "s", TextBody: "t" });
    expect(shape(r)).toEqual(shape(readFixture("api/send-email-response.json")));
  });

  it("POST /email/batch, success and 406 entries", async () => {
    sandbox.markInactive("example@example.com", "outbound");
    const r = await client().sendEmailBatch([
      { From: "a@postline.test", To: "receiver1@example.com", Subject: "s", TextBody: "t" },
      { From: "a@postline.test", To: "example@example.com", Subject: "s", TextBody: "t" },
    ]);
    const fixture = readFixture("api/send-batch-response.json") as Record<string, unknown>[];
    expect(shape(r)).toEqual(shape(fixture)); // arrays compare by first element
    expect(shape(r[1])).toEqual(shape(fixture[1]));
    expect(r[1].Message).toBe((fixture[1] as { Message: string }).Message);
  });

  it("406 error body is the documented text", async () => {
    const res = await fetch(`${sandbox.url}/email`, {
      method: "POST",
      headers: { "X-Postmark-Server-Token": TOKEN, "Content-Type": "application/json" },
      body: JSON.stringify({ From: "a@postline.test", To: "example@example.com", Subject: "s", TextBody: "t" }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual(readFixture("api/send-email-error-406-inactive.json"));
  });

  it("GET /messages/outbound", async () => {
    const r = await client().getOutboundMessages({ count: 1, offset: 0, recipient: "click@example.com" });
    expect(normalise(shape(r))).toEqual(normalise(shape(readFixture("api/outbound-search-response.json"))));
  });

  it("GET /messages/outbound/{id}/details, every event type's Details", async () => {
    const fixture = readFixture("api/outbound-message-details-response.json") as { MessageEvents: { Type: string; Details: unknown }[] };
    const d = await client().getOutboundMessageDetails(sent["click@example.com"]);
    const { MessageEvents: ourEvents, Attachments: ourAttachments, ...ours } = d as unknown as Record<string, unknown> & { MessageEvents: unknown[] };
    const { MessageEvents: _e, Attachments: docAttachments, ...doc } = fixture as unknown as Record<string, unknown>;
    // The example lists attachment names; the sandbox's message has none, so only the array type is compared.
    expect(Array.isArray(ourAttachments) && Array.isArray(docAttachments)).toBe(true);
    expect(normalise(shape(ours))).toEqual(normalise(shape(doc)));
    const all = [...ourEvents];
    for (const to of ["hardbounce@example.com", "spam@example.com", "unsubscribe@example.com"]) {
      all.push(...(await client().getOutboundMessageDetails(sent[to])).MessageEvents);
    }
    const byType = new Map(all.map((e) => [(e as { Type: string }).Type, e]));
    for (const documentedEvent of fixture.MessageEvents.filter((e) => e.Type !== "Transient")) {
      expect(shape(byType.get(documentedEvent.Type)), documentedEvent.Type).toEqual(shape(documentedEvent));
    }
  });
});
