/** The sandbox's Postmark API, driven through the official postmark.js client as the app drives it. */
import { Errors, type ServerClient } from "postmark";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPostmarkClient } from "../../postmark/client";
import { startPostmarkSandbox, type PostmarkSandbox } from "./server";

const TOKEN = "api-test-token";
let sandbox: PostmarkSandbox;
let client: ServerClient;

beforeAll(async () => {
  // The virtual clock: flush moves time on to the clicks (11 s after delivery at the fast pace).
  sandbox = await startPostmarkSandbox({ serverToken: TOKEN, delayMs: 1, clock: "virtual" });
  client = createPostmarkClient({ serverToken: TOKEN, apiUrl: sandbox.url, timeoutSeconds: 5 });
});
afterAll(() => sandbox.close());
afterEach(async () => {
  sandbox.setFaults({});
  await sandbox.reset();
});

const msg = (to: string, extra: Record<string, unknown> = {}) => ({ From: "News <news@postline.test>", To: to, Subject: "Hello", HtmlBody: "<p>Hi</p>", ...extra });

async function caught(p: Promise<unknown>): Promise<Error & { code: number; statusCode: number; recipients?: string[] }> {
  try {
    await p;
  } catch (error) {
    return error as Error & { code: number; statusCode: number };
  }
  throw new Error("expected the call to fail");
}

function raw(path: string, init: RequestInit = {}, token = TOKEN) {
  return fetch(`${sandbox.url}${path}`, { ...init, headers: { "X-Postmark-Server-Token": token, "Content-Type": "application/json", ...(init.headers ?? {}) } });
}

describe("POST /email", () => {
  it("accepts a message and answers like Postmark", async () => {
    const r = await client.sendEmail(msg("ok@example.com", { Tag: "welcome", Metadata: { order: "42" }, MessageStream: "outbound" }));
    expect(r).toEqual({ To: "ok@example.com", SubmittedAt: expect.any(String), MessageID: expect.stringMatching(/^[0-9a-f-]{36}$/), ErrorCode: 0, Message: "OK" });
    expect(Number.isNaN(Date.parse(r.SubmittedAt))).toBe(false);
    const [m] = sandbox.messages();
    expect(m).toMatchObject({ messageId: r.MessageID, to: "ok@example.com", tag: "welcome", metadata: { order: "42" }, stream: "outbound", htmlBody: "<p>Hi</p>" });
  });

  it("answers a bad or missing token with 401 / ErrorCode 10 (InvalidAPIKeyError)", async () => {
    const bad = createPostmarkClient({ serverToken: "wrong", apiUrl: sandbox.url, timeoutSeconds: 5 });
    const e = await caught(bad.sendEmail(msg("x@example.com")));
    expect(e).toBeInstanceOf(Errors.InvalidAPIKeyError);
    expect(e).toMatchObject({ code: 10, statusCode: 401 });
    const res = await fetch(`${sandbox.url}/email`, { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ ErrorCode: 10 });
    expect(sandbox.messages()).toHaveLength(0);
  });

  it("rejects invalid requests with ErrorCode 300 (InvalidEmailRequestError)", async () => {
    for (const bad of [
      { To: "a@example.com", Subject: "s", TextBody: "t" },
      { From: "f@example.com", Subject: "s", TextBody: "t" },
      { From: "f@example.com", To: "a@example.com", TextBody: "t" },
      { From: "f@example.com", To: "a@example.com", Subject: "s" },
      { From: "f@example.com", To: "not-an-address", Subject: "s", TextBody: "t" },
    ]) {
      const e = await caught(client.sendEmail(bad as never));
      expect(e).toBeInstanceOf(Errors.InvalidEmailRequestError);
      expect(e).toMatchObject({ code: 300, statusCode: 422 });
    }
    const res = await raw("/email", { method: "POST", body: "{not json" });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ ErrorCode: 402 });
  });

  it("answers an inactive recipient with 406 that postmark.js parses into .recipients", async () => {
    sandbox.markInactive("gone@example.com", "outbound");
    const e = await caught(client.sendEmail(msg("gone@example.com")));
    expect(e).toBeInstanceOf(Errors.InactiveRecipientsError);
    expect(e).toMatchObject({ code: 406, statusCode: 422, recipients: ["gone@example.com"] });
    // Suppression is per stream.
    await expect(client.sendEmail(msg("gone@example.com", { MessageStream: "broadcast" }))).resolves.toMatchObject({ ErrorCode: 0 });
  });

  it("suppresses after a hard bounce, a spam complaint or an unsubscribe, not after a soft bounce", async () => {
    const addresses = ["hardbounce@example.com", "spam@example.com", "unsubscribe+1@example.com", "softbounce@example.com", "click@example.com"];
    for (const to of addresses) await client.sendEmail(msg(to));
    await sandbox.flushWebhooks();
    const results = await client.sendEmailBatch(addresses.map((to) => msg(to)));
    expect(results.map((r) => r.ErrorCode)).toEqual([406, 406, 406, 0, 0]);
    const dump = await client.getSuppressions("outbound");
    expect(dump.Suppressions.map((s) => [s.EmailAddress, s.SuppressionReason, s.Origin]).sort()).toEqual([
      ["hardbounce@example.com", "HardBounce", "Recipient"],
      ["spam@example.com", "SpamComplaint", "Recipient"],
      ["unsubscribe+1@example.com", "ManualSuppression", "Recipient"],
    ]);
  });
});

describe("POST /email/batch", () => {
  it("answers per entry in request order; failed entries carry only ErrorCode and Message", async () => {
    sandbox.markInactive("inactive@example.com", "outbound");
    const results = await client.sendEmailBatch([msg("a@example.com"), msg("inactive@example.com"), { From: "f@example.com", To: "b@example.com", Subject: "s" }, msg("c@example.com")]);
    expect(results.map((r) => r.ErrorCode)).toEqual([0, 406, 300, 0]);
    expect(results[0]).toEqual({ ErrorCode: 0, Message: "OK", MessageID: expect.any(String), SubmittedAt: expect.any(String), To: "a@example.com" });
    expect(Object.keys(results[1]).sort()).toEqual(["ErrorCode", "Message"]);
    expect(results[1].Message).toContain("Found inactive addresses: inactive@example.com.");
    expect(sandbox.messages().map((m) => m.to)).toEqual(["a@example.com", "c@example.com"]);
  });

  it("refuses more than 500 messages with ErrorCode 410 and accepts none", async () => {
    const e = await caught(client.sendEmailBatch(Array.from({ length: 501 }, (_, i) => msg(`n${i}@example.com`))));
    expect(e).toBeInstanceOf(Errors.ApiInputError);
    expect(e).toMatchObject({ code: 410, statusCode: 422 });
    expect(sandbox.messages()).toHaveLength(0);
    const ok = await client.sendEmailBatch(Array.from({ length: 500 }, (_, i) => msg(`n${i}@example.com`)));
    expect(ok.every((r) => r.ErrorCode === 0)).toBe(true);
  });

  it("answers invalid JSON with ErrorCode 402", async () => {
    const res = await raw("/email/batch", { method: "POST", body: "[{" });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ ErrorCode: 402, Message: expect.any(String) });
  });
});

describe("GET /messages/outbound", () => {
  it("finds messages by metadata, newest first, with Postmark's paging limits", async () => {
    const batch = Array.from({ length: 30 }, (_, i) => msg(`m${i}@example.com`, { Metadata: { batch: i < 20 ? "b1" : "b2", n: String(i) }, Tag: "camp" }));
    const sent = await client.sendEmailBatch(batch);
    const page1 = await client.getOutboundMessages({ count: 15, offset: 0, metadata_batch: "b1" } as never);
    expect(Number(page1.TotalCount)).toBe(20);
    expect(page1.Messages).toHaveLength(15);
    const page2 = await client.getOutboundMessages({ count: 15, offset: 15, metadata_batch: "b1" } as never);
    expect(page2.Messages).toHaveLength(5);
    const ids = [...page1.Messages, ...page2.Messages].map((m) => m.MessageID);
    expect(new Set(ids)).toEqual(new Set(sent.slice(0, 20).map((r) => r.MessageID)));
    // Same SubmittedAt within a batch: newest first means reverse acceptance order.
    expect(ids[0]).toBe(sent[19].MessageID);
    expect(page1.Messages[0]).toMatchObject({ Metadata: { batch: "b1", n: "19" }, Tag: "camp", Status: "Sent", To: [{ Email: "m19@example.com", Name: null }] });

    const one = await client.getOutboundMessages({ count: 10, offset: 0, recipient: "M3@example.com" });
    expect(one.Messages.map((m) => m.Recipients)).toEqual([["m3@example.com"]]);
  });

  it("matches query keys case-insensitively (postmark.js sends camelCase)", async () => {
    await client.sendEmail(msg("s1@example.com", { MessageStream: "broadcast", Subject: "Spring sale" }));
    await client.sendEmail(msg("s2@example.com", { MessageStream: "outbound" }));
    const today = new Date().toISOString().slice(0, 10);
    const r = await client.getOutboundMessages({ count: 10, offset: 0, messageStream: "broadcast", fromDate: today, toDate: today });
    expect(r.Messages.map((m) => m.Recipients[0])).toEqual(["s1@example.com"]);
    const res = await raw("/messages/outbound?COUNT=10&Offset=0&MESSAGESTREAM=outbound&subject=hello");
    expect((await res.json()).Messages.map((m: { Recipients: string[] }) => m.Recipients[0])).toEqual(["s2@example.com"]);
    const none = await client.getOutboundMessages({ count: 10, offset: 0, fromDate: "2000-01-01", toDate: "2000-01-02" });
    expect(none.TotalCount).toBe(0);
  });

  it("enforces count ≤ 500 and count + offset ≤ 10,000", async () => {
    await expect(client.getOutboundMessages({ count: 501, offset: 0 })).rejects.toBeInstanceOf(Errors.ApiInputError);
    await expect(client.getOutboundMessages({ count: 500, offset: 9_501 })).rejects.toMatchObject({ statusCode: 422 });
    await expect(client.getOutboundMessages({ count: 500, offset: 9_500 })).resolves.toMatchObject({ TotalCount: 0, Messages: [] });
    expect((await raw("/messages/outbound?offset=0")).status).toBe(422);
  });
});

describe("GET /messages/outbound/{id}/details", () => {
  it("returns the message with its events; the old path without /details answers too", async () => {
    const r = await client.sendEmail(msg("click@example.com", { HtmlBody: '<a href="https://postline.test/offer">Offer</a>', TextBody: "Offer" }));
    await sandbox.flushWebhooks();
    const d = await client.getOutboundMessageDetails(r.MessageID);
    expect(d).toMatchObject({ MessageID: r.MessageID, HtmlBody: '<a href="https://postline.test/offer">Offer</a>', TextBody: "Offer", Status: "Sent" });
    expect(d.MessageEvents.map((e) => e.Type)).toEqual(["Delivered", "Opened", "LinkClicked"]);
    expect(d.MessageEvents[2].Details).toMatchObject({ Link: "https://postline.test/offer", ClickLocation: "HTML" });
    const times = d.MessageEvents.map((e) => Date.parse(e.ReceivedAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(times).size).toBe(times.length);

    const old = await raw(`/messages/outbound/${r.MessageID}`);
    expect(old.status).toBe(200);
    expect((await old.json()).MessageEvents).toHaveLength(3);
  });

  it("reports bounces with a string BounceID and subscription changes with string flags", async () => {
    const r = await client.sendEmail(msg("hardbounce@example.com"));
    await sandbox.flushWebhooks();
    const d = await client.getOutboundMessageDetails(r.MessageID);
    expect(d.MessageEvents.map((e) => e.Type)).toEqual(["Bounced", "SubscriptionChanged"]);
    expect(d.MessageEvents[0].Details).toMatchObject({ BounceID: expect.stringMatching(/^\d+$/) });
    expect(d.MessageEvents[1].Details).toEqual({ Origin: "Recipient", SuppressSending: "True" });
    const bounce = await client.getBounce(Number((d.MessageEvents[0].Details as { BounceID: string }).BounceID));
    expect(bounce).toMatchObject({ Type: "HardBounce", TypeCode: 1, Email: "hardbounce@example.com", MessageID: r.MessageID, Inactive: true });
    const list = await client.getBounces({ count: 10, offset: 0 });
    expect(list.TotalCount).toBe(1);
  });

  it("answers an unknown id with 422 / ErrorCode 701", async () => {
    const e = await caught(client.getOutboundMessageDetails("00000000-0000-0000-0000-000000000000"));
    expect(e).toMatchObject({ code: 701, statusCode: 422 });
  });
});

describe("fault injection", () => {
  it("429 refuses the call (RateLimitExceededError) and accepts nothing", async () => {
    sandbox.setFaults({ rate429: 1 });
    const e = await caught(client.sendEmail(msg("a@example.com")));
    expect(e).toBeInstanceOf(Errors.RateLimitExceededError);
    expect(e.statusCode).toBe(429);
    expect(sandbox.messages()).toHaveLength(0);
  });

  it("5xx refuses the call (InternalServerError) and accepts nothing", async () => {
    sandbox.setFaults({ rate5xx: 1 });
    const e = await caught(client.sendEmailBatch([msg("a@example.com")]));
    expect(e).toBeInstanceOf(Errors.InternalServerError);
    expect(sandbox.messages()).toHaveLength(0);
    expect(sandbox.stats().faults.rate5xx).toBe(1);
  });

  it("adds latency", async () => {
    sandbox.setFaults({ latencyMs: 120 });
    const started = Date.now();
    await client.sendEmail(msg("a@example.com"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it("a timeout leaves the caller without an answer while the message was accepted (outcome unknown)", async () => {
    sandbox.setFaults({ timeoutRate: 1 });
    const impatient = createPostmarkClient({ serverToken: TOKEN, apiUrl: sandbox.url, timeoutSeconds: 0.3 });
    const e = await caught(impatient.sendEmailBatch([msg("t1@example.com", { Metadata: { batch: "lost" } })]));
    expect(e).toBeInstanceOf(Errors.PostmarkError);
    sandbox.setFaults({});
    const found = await client.getOutboundMessages({ count: 10, offset: 0, metadata_batch: "lost" } as never);
    expect(found.Messages.map((m) => m.Recipients[0])).toEqual(["t1@example.com"]);
  });

  it("with timeoutAccepts false a timed-out send was never accepted", async () => {
    sandbox.setFaults({ timeoutRate: 1, timeoutAccepts: false });
    const impatient = createPostmarkClient({ serverToken: TOKEN, apiUrl: sandbox.url, timeoutSeconds: 0.3 });
    await expect(impatient.sendEmail(msg("t2@example.com"))).rejects.toBeInstanceOf(Errors.PostmarkError);
    expect(sandbox.messages()).toHaveLength(0);
  });

  it("first429Sends refuses exactly the next N sends, reads untouched, then the rates apply", async () => {
    sandbox.setFaults({ first429Sends: 2 });
    await expect(client.sendEmail(msg("n1@example.com"))).rejects.toBeInstanceOf(Errors.RateLimitExceededError);
    await expect(client.getOutboundMessages({ count: 1, offset: 0 })).resolves.toBeDefined();
    await expect(client.sendEmailBatch([msg("n2@example.com")])).rejects.toBeInstanceOf(Errors.RateLimitExceededError);
    await expect(client.sendEmail(msg("n3@example.com"))).resolves.toMatchObject({ ErrorCode: 0 });
    expect(sandbox.messages().map((m) => m.to)).toEqual(["n3@example.com"]);
    expect(sandbox.stats().faults.rate429).toBe(2);
    expect(() => sandbox.setFaults({ first429Sends: 1.5 })).toThrow(/whole number/);
  });

  it("a fraction of calls fails, chosen by the (seedable) random source", async () => {
    sandbox.setFaults({ rate429: 0.5 });
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => client.sendEmail(msg(`f${i}@example.com`)).then(() => "ok", () => "429")));
    expect(outcomes.filter((o) => o === "429").length).toBeGreaterThan(5);
    expect(outcomes.filter((o) => o === "ok").length).toBeGreaterThan(5);
  });
});

describe("control API under /__sandbox/", () => {
  it("needs the server token", async () => {
    expect((await raw("/__sandbox/stats", {}, "nope")).status).toBe(401);
  });

  it("lists messages, reports stats, sets faults and rates, resets", async () => {
    await client.sendEmail(msg("ctl@example.com", { Metadata: { k: "v" } }));
    const list = await (await raw("/__sandbox/messages?metadata_k=v")).json();
    expect(list.Messages.map((m: { to: string }) => m.to)).toEqual(["ctl@example.com"]);
    const stats = await (await raw("/__sandbox/stats")).json();
    expect(stats).toMatchObject({ sent: 1, apiCalls: { "POST /email": 1 } });

    expect((await raw("/__sandbox/faults", { method: "POST", body: JSON.stringify({ rate429: 1 }) })).status).toBe(200);
    await expect(client.sendEmail(msg("x@example.com"))).rejects.toBeInstanceOf(Errors.RateLimitExceededError);
    expect((await raw("/__sandbox/faults", { method: "POST", body: JSON.stringify({ rate429: 2 }) })).status).toBe(422);
    await raw("/__sandbox/faults", { method: "POST", body: "{}" });

    expect((await raw("/__sandbox/rates", { method: "POST", body: JSON.stringify({ open: 1 }) })).status).toBe(200);
    expect((await raw("/__sandbox/rates", { method: "POST", body: JSON.stringify({ opne: 1 }) })).status).toBe(422);
    const r = await client.sendEmail(msg("random@example.com"));
    await (await raw("/__sandbox/flush", { method: "POST" })).json();
    expect(sandbox.getMessage(r.MessageID)!.events.map((e) => e.recordType)).toEqual(["Delivery", "Open"]);
    sandbox.setRates({ open: 0 });

    expect((await raw("/__sandbox/inactive", { method: "POST", body: JSON.stringify({ email: "dead@example.com" }) })).status).toBe(200);
    await expect(client.sendEmail(msg("dead@example.com"))).rejects.toBeInstanceOf(Errors.InactiveRecipientsError);

    expect((await raw("/__sandbox/webhook", { method: "POST", body: JSON.stringify({ url: "http://127.0.0.1:9/x", headers: { "X-Webhook-Secret": "s" } }) })).status).toBe(200);
    expect((await raw("/__sandbox/webhook", { method: "POST", body: JSON.stringify({ url: null }) })).status).toBe(200);

    expect((await raw("/__sandbox/reset", { method: "POST" })).status).toBe(200);
    expect(sandbox.messages()).toHaveLength(0);
    expect(sandbox.stats().sent).toBe(0);
    await expect(client.sendEmail(msg("dead@example.com"))).resolves.toMatchObject({ ErrorCode: 0 });
  });
});
