/**
 * The sandbox's Webhooks API against shared/postmark/MANAGEMENT.md §a, through the official postmark
 * client where it can be used (and raw HTTP for the spellings and bodies the client never sends).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPostmarkClient } from "../../postmark/client";
import { startPostmarkSandbox, type PostmarkSandbox } from "./server";
import { startReceiver, type Receiver } from "./test-support";

const TOKEN = "webhooks-api";
let sandbox: PostmarkSandbox;
let receiver: Receiver;
const client = (token = TOKEN) => createPostmarkClient({ serverToken: token, apiUrl: sandbox.url, timeoutSeconds: 5 });

const ALL_ON = {
  Open: { Enabled: true, PostFirstOpenOnly: false },
  Click: { Enabled: true },
  Delivery: { Enabled: true },
  Bounce: { Enabled: true, IncludeContent: false },
  SpamComplaint: { Enabled: true, IncludeContent: false },
  SubscriptionChange: { Enabled: true },
};

async function raw(method: string, path: string, body?: string, token = TOKEN) {
  const res = await fetch(`${sandbox.url}${path}`, { method, body, headers: { "X-Postmark-Server-Token": token, Accept: "application/json", "Content-Type": "application/json" } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startPostmarkSandbox({ serverToken: TOKEN, delayMs: 1, clock: "virtual" });
});
afterEach(async () => {
  await sandbox.reset();
  sandbox.setFaults({});
  receiver.posts.length = 0;
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

describe("Webhooks API: the documented operations", () => {
  it("creates, reads, lists by stream, edits partially and deletes, with the documented shapes", async () => {
    const c = client();
    const created = await c.createWebhook({
      Url: "https://postline.example/api/webhooks/postmark",
      MessageStream: "broadcast",
      HttpAuth: { Username: "pm", Password: "pass" },
      HttpHeaders: [{ Name: "X-Webhook-Secret", Value: "s1" }],
      Triggers: { Open: { Enabled: true, PostFirstOpenOnly: false }, Delivery: { Enabled: true } },
    });
    expect(created).toEqual({
      ID: expect.any(Number),
      Url: "https://postline.example/api/webhooks/postmark",
      MessageStream: "broadcast",
      HttpAuth: { Username: "pm", Password: "pass" },
      HttpHeaders: [{ Name: "X-Webhook-Secret", Value: "s1" }],
      // All six come back; the ones not sent are off.
      Triggers: { ...ALL_ON, Click: { Enabled: false }, Bounce: { Enabled: false, IncludeContent: false }, SpamComplaint: { Enabled: false, IncludeContent: false }, SubscriptionChange: { Enabled: false } },
    });
    expect(await c.getWebhook(created.ID)).toEqual(created);

    const other = await c.createWebhook({ Url: "https://elsewhere.example/hook", Triggers: { Bounce: { Enabled: true } } });
    expect(other.MessageStream).toBe("outbound"); // the default stream
    expect(other.HttpAuth).toEqual({ Username: null, Password: null });
    expect(other.HttpHeaders).toEqual([]);
    expect((await c.getWebhooks()).Webhooks.map((w) => w.ID)).toEqual([created.ID, other.ID]);
    // postmark.js sends `messageStream`; the docs write `MessageStream`: both filter.
    expect((await c.getWebhooks({ messageStream: "broadcast" })).Webhooks.map((w) => w.ID)).toEqual([created.ID]);
    expect((await raw("GET", "/webhooks?MessageStream=outbound")).body).toEqual({ Webhooks: [other] });

    // postmark.js's own test: an edit with one trigger keeps the others.
    const edited = await c.editWebhook(created.ID, { Triggers: { SpamComplaint: { Enabled: true } } });
    expect(edited.Triggers).toEqual({ ...created.Triggers, SpamComplaint: { Enabled: true, IncludeContent: false } });
    expect(edited.HttpHeaders).toEqual(created.HttpHeaders);
    const moved = await c.editWebhook(created.ID, { Url: "https://postline.example/new", HttpHeaders: [{ Name: "X-Webhook-Secret", Value: "s2" }] });
    expect(moved).toMatchObject({ Url: "https://postline.example/new", HttpHeaders: [{ Name: "X-Webhook-Secret", Value: "s2" }], HttpAuth: { Username: "pm", Password: "pass" } });

    const removed = await c.deleteWebhook(created.ID);
    expect(removed).toEqual({ ErrorCode: 0, Message: `Webhook ${created.ID} removed.` });
    expect((await c.getWebhooks()).Webhooks.map((w) => w.ID)).toEqual([other.ID]);
  });

  it("matches paths case-insensitively", async () => {
    const created = await client().createWebhook({ Url: "https://a.example/h", MessageStream: "outbound" });
    expect((await raw("GET", `/Webhooks/${created.ID}`)).body).toMatchObject({ ID: created.ID });
    expect((await raw("GET", "/WEBHOOKS?messagestream=outbound")).body).toMatchObject({ Webhooks: [{ ID: created.ID }] });
    expect((await raw("DELETE", `/webHooks/${created.ID}`)).status).toBe(200);
  });
});

describe("Webhooks API: errors as Postmark gives them", () => {
  it("answers a wrong or missing server token with 401 and ErrorCode 10 (postmark.js: InvalidAPIKeyError)", async () => {
    const error = await client("wrong").getWebhooks().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "InvalidAPIKeyError", statusCode: 401, code: 10 });
    expect((await raw("GET", "/webhooks", undefined, "")).body).toMatchObject({ ErrorCode: 10 });
  });

  it.each([
    ["an unknown stream on create", "POST", "/webhooks", JSON.stringify({ Url: "https://a.example/h", MessageStream: "nope" }), 1226],
    ["the inbound stream", "POST", "/webhooks", JSON.stringify({ Url: "https://a.example/h", MessageStream: "inbound" }), 1351],
    ["a missing Url", "POST", "/webhooks", JSON.stringify({ MessageStream: "outbound" }), 1354],
    ["a Url that is not http(s)", "POST", "/webhooks", JSON.stringify({ Url: "ftp://a.example/h" }), 1354],
    ["no body", "POST", "/webhooks", "", 1355],
    ["an ID on create", "POST", "/webhooks", JSON.stringify({ ID: 5, Url: "https://a.example/h" }), 1356],
    ["a bad header name", "POST", "/webhooks", JSON.stringify({ Url: "https://a.example/h", HttpHeaders: [{ Name: "Bad Name", Value: "x" }] }), 1358],
    ["an unknown webhook", "GET", "/webhooks/999", undefined, 1352],
    ["an unknown webhook on edit", "PUT", "/webhooks/999", JSON.stringify({ Url: "https://a.example/h" }), 1352],
    ["an unknown webhook on delete", "DELETE", "/webhooks/999", undefined, 1352],
    ["an unknown stream on list", "GET", "/webhooks?MessageStream=nope", undefined, 1226],
  ])("refuses %s with 422 and its ErrorCode", async (_name, method, path, body, code) => {
    const res = await raw(method, path, body);
    expect(res).toEqual({ status: 422, body: { ErrorCode: code, Message: expect.any(String) } });
  });

  it("refuses changing the stream on edit (1357) and an eleventh webhook on a stream (1359); postmark.js maps 422 to ApiInputError", async () => {
    const c = client();
    const w = await c.createWebhook({ Url: "https://a.example/h" });
    expect((await raw("PUT", `/webhooks/${w.ID}`, JSON.stringify({ MessageStream: "broadcast" }))).body).toMatchObject({ ErrorCode: 1357 });
    for (let i = 1; i < 10; i++) await c.createWebhook({ Url: `https://a.example/h${i}` });
    const error = await c.createWebhook({ Url: "https://a.example/h11" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ApiInputError", statusCode: 422, code: 1359 });
  });

  it("answers 500 when the sandbox's 5xx fault is on (postmark.js: InternalServerError)", async () => {
    sandbox.setFaults({ rate5xx: 1 });
    const error = await client().getWebhooks().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "InternalServerError", statusCode: 500 });
  });
});

describe("Webhooks API: what gets posted", () => {
  it("posts each event to the stream's webhooks whose trigger is on, with their headers and auth, in place of the configured webhook", async () => {
    sandbox.configureWebhook({ url: `${receiver.url}?standin` });
    const c = client();
    await c.createWebhook({
      Url: `${receiver.url}?api`,
      MessageStream: "outbound",
      HttpAuth: { Username: "pm", Password: "p" },
      HttpHeaders: [{ Name: "X-Webhook-Secret", Value: "s" }],
      Triggers: { Delivery: { Enabled: true }, Bounce: { Enabled: true } },
    });
    await c.sendEmail({ From: "a@postline.test", To: "click@example.com", Subject: "x", HtmlBody: "<a href='https://x.example/'>x</a>" });
    await c.sendEmail({ From: "a@postline.test", To: "open@example.com", Subject: "x", HtmlBody: "x", MessageStream: "broadcast" });
    await sandbox.flushWebhooks();
    const api = receiver.posts.filter((p) => p.headers["x-webhook-secret"] === "s");
    // Outbound: only Delivery (Open and Click are off), with the webhook's header and basic auth.
    expect(api.map((p) => p.body.RecordType)).toEqual(["Delivery"]);
    expect(api[0].headers.authorization).toBe(`Basic ${Buffer.from("pm:p").toString("base64")}`);
    // Broadcast has no API webhook: the configured one stands in, every trigger on.
    const standin = receiver.posts.filter((p) => p.headers["x-webhook-secret"] === undefined);
    expect(standin.map((p) => p.body.RecordType)).toEqual(["Delivery", "Open"]);
    expect(standin.every((p) => p.body.MessageStream === "broadcast")).toBe(true);
  });

  it("honours PostFirstOpenOnly: a later open (Apple's prefetch, then the person) is posted only with it off", async () => {
    const c = client();
    await c.createWebhook({ Url: receiver.url, MessageStream: "outbound", HttpHeaders: [{ Name: "X-Hook", Value: "all" }], Triggers: { Open: { Enabled: true, PostFirstOpenOnly: false } } });
    await c.createWebhook({ Url: receiver.url, MessageStream: "outbound", HttpHeaders: [{ Name: "X-Hook", Value: "first" }], Triggers: { Open: { Enabled: true, PostFirstOpenOnly: true } } });
    sandbox.setRates({ open: 1, mpp: 1 });
    for (let i = 0; i < 20; i++) await c.sendEmail({ From: "a@postline.test", To: `r${i}@example.com`, Subject: "x", HtmlBody: "x" });
    await sandbox.flushWebhooks({ timeoutMs: 60_000, horizonMs: 24 * 3_600_000 });
    const opens = sandbox.messages().flatMap((m) => m.events.filter((e) => e.recordType === "Open"));
    const later = opens.filter((e) => e.firstOpen === false).length;
    expect(later).toBeGreaterThan(0);
    const posts = (hook: string) => receiver.posts.filter((p) => p.headers["x-hook"] === hook);
    expect(posts("all").length).toBe(opens.length);
    expect(posts("first").length).toBe(opens.length - later);
    expect(posts("first").every((p) => p.body.FirstOpen === true)).toBe(true);
  });

  it("posts a queued event with the webhook as it is when posted: an edited header, not the old one", async () => {
    const c = client();
    const w = await c.createWebhook({ Url: receiver.url, MessageStream: "outbound", HttpHeaders: [{ Name: "X-Webhook-Secret", Value: "old" }], Triggers: { Delivery: { Enabled: true } } });
    sandbox.setDelivery({ delayMs: 50 });
    await c.sendEmail({ From: "a@postline.test", To: "delivered@example.com", Subject: "x", TextBody: "x" });
    await c.editWebhook(w.ID, { HttpHeaders: [{ Name: "X-Webhook-Secret", Value: "new" }] });
    await sandbox.flushWebhooks();
    expect(receiver.posts.map((p) => p.headers["x-webhook-secret"])).toEqual(["new"]);
    sandbox.setDelivery({ delayMs: 1 });
  });

  it("keeps webhooks in the data file across a restart", async () => {
    const dir = await import("node:fs").then((fs) => fs.mkdtempSync(`${(process.env.TMPDIR ?? "/tmp").replace(/\/$/, "")}/pm-wh-`));
    const dataFile = `${dir}/sandbox.ndjson`;
    const first = await startPostmarkSandbox({ serverToken: TOKEN, dataFile });
    const c1 = createPostmarkClient({ serverToken: TOKEN, apiUrl: first.url });
    const a = await c1.createWebhook({ Url: "https://a.example/h" });
    const b = await c1.createWebhook({ Url: "https://b.example/h" });
    await c1.editWebhook(a.ID, { Url: "https://a.example/moved" });
    await c1.deleteWebhook(b.ID);
    await first.close();
    const second = await startPostmarkSandbox({ serverToken: TOKEN, dataFile });
    const c2 = createPostmarkClient({ serverToken: TOKEN, apiUrl: second.url });
    expect((await c2.getWebhooks()).Webhooks).toEqual([{ ...a, Url: "https://a.example/moved" }]);
    await second.close();
  });
});
