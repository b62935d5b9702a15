/** Webhook posts from the sandbox, checked by a real receiver on 127.0.0.1. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ServerClient } from "postmark";
import { afterEach, describe, expect, it } from "vitest";
import { createPostmarkClient } from "../../postmark/client";
import { seededRandom } from "./outcomes";
import { startPostmarkSandbox, type PostmarkSandbox } from "./server";
import { startReceiver, type Receiver } from "./test-support";
import type { SandboxOptions } from "./types";

const TOKEN = "webhook-test-token";
const SECRET = "s3cret-header-value";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: Partial<SandboxOptions> = {}, respond?: Receiver["respond"]) {
  const receiver = await startReceiver(respond);
  cleanups.push(() => receiver.close());
  const sandbox = await startPostmarkSandbox({
    serverToken: TOKEN,
    delayMs: 1,
    retryScheduleMs: [30, 60],
    webhook: { url: receiver.url, headers: { "X-Webhook-Secret": SECRET }, basicAuth: { username: "pm", password: "hook pass" } },
    ...options,
  });
  cleanups.push(() => sandbox.close());
  const client = createPostmarkClient({ serverToken: TOKEN, apiUrl: sandbox.url, timeoutSeconds: 5 });
  return { receiver, sandbox, client };
}

function send(client: ServerClient, to: string, extra: Record<string, unknown> = {}) {
  return client.sendEmail({ From: "news@postline.test", To: to, Subject: "Hi", HtmlBody: '<a href="https://postline.test/x">x</a>', Tag: "t1", Metadata: { pl: "1" }, ...extra });
}

const types = (r: Receiver) => r.posts.map((p) => p.body.RecordType);

describe("webhook posts", () => {
  it("carry the custom header, basic auth, JSON content type, a Postmark user agent and X-PM-Retries-Remaining", async () => {
    const { receiver, sandbox, client } = await setup();
    const r = await send(client, "someone@example.com", { MessageStream: "broadcast" });
    await sandbox.flushWebhooks();
    expect(receiver.posts).toHaveLength(1);
    const [post] = receiver.posts;
    expect(post.headers["x-webhook-secret"]).toBe(SECRET);
    expect(post.headers.authorization).toBe(`Basic ${Buffer.from("pm:hook pass").toString("base64")}`);
    expect(post.headers["content-type"]).toBe("application/json");
    expect(post.headers["user-agent"]).toMatch(/Postmark/);
    expect(post.headers["x-pm-retries-remaining"]).toBe("2");
    expect(post.body).toMatchObject({ RecordType: "Delivery", MessageID: r.MessageID, Recipient: "someone@example.com", Tag: "t1", Metadata: { pl: "1" }, MessageStream: "broadcast", ServerID: expect.any(Number) });
  });

  it("basic-auth credentials may also sit in the URL, as Postmark configures them", async () => {
    const { receiver, sandbox, client } = await setup();
    sandbox.configureWebhook({ url: receiver.url.replace("http://", "http://u%40x:p%3Aw@") });
    await send(client, "a@example.com");
    await sandbox.flushWebhooks();
    expect(receiver.posts[0].headers.authorization).toBe(`Basic ${Buffer.from("u@x:p:w").toString("base64")}`);
  });

  it("follow the outcome forced by the recipient's local part", async () => {
    const { receiver, sandbox, client } = await setup({ clock: "virtual" });
    const expected: Record<string, string[]> = {
      "delivered+1@example.com": ["Delivery"],
      "open@example.com": ["Delivery", "Open"],
      "click+abc@example.com": ["Delivery", "Open", "Click"],
      "hardbounce@example.com": ["Bounce", "SubscriptionChange"],
      "softbounce@example.com": ["Delivery", "Bounce"],
      "spam@example.com": ["Delivery", "SpamComplaint", "SubscriptionChange"],
      "unsubscribe@example.com": ["Delivery", "SubscriptionChange"],
      "Open+Case@example.com": ["Delivery", "Open"],
    };
    for (const to of Object.keys(expected)) await send(client, to);
    await sandbox.flushWebhooks();
    for (const [to, want] of Object.entries(expected)) {
      const posts = receiver.posts.filter((p) => (p.body.Recipient ?? p.body.Email) === to);
      // Concurrent posts can arrive out of order; the event timestamps carry the order.
      const at = (p: (typeof posts)[number]) => Date.parse(String(p.body.DeliveredAt ?? p.body.ReceivedAt ?? p.body.BouncedAt ?? p.body.ChangedAt));
      expect(posts.sort((a, b) => at(a) - at(b)).map((p) => p.body.RecordType), to).toEqual(want);
    }
    const by = (to: string, type: string) => receiver.posts.find((p) => (p.body.Recipient ?? p.body.Email) === to && p.body.RecordType === type)!.body;
    expect(by("hardbounce@example.com", "Bounce")).toMatchObject({ Type: "HardBounce", TypeCode: 1, Inactive: true, CanActivate: true, ID: expect.any(Number) });
    expect(by("hardbounce@example.com", "SubscriptionChange")).toMatchObject({ SuppressSending: true, SuppressionReason: "HardBounce", Origin: "Recipient" });
    expect(by("softbounce@example.com", "Bounce")).toMatchObject({ Type: "SoftBounce", TypeCode: 4096, Inactive: false });
    expect(by("spam@example.com", "SpamComplaint")).toMatchObject({ Type: "SpamComplaint", TypeCode: 100001, Inactive: true, CanActivate: false });
    expect(by("spam@example.com", "SubscriptionChange")).toMatchObject({ SuppressionReason: "SpamComplaint" });
    expect(by("unsubscribe@example.com", "SubscriptionChange")).toMatchObject({ SuppressSending: true, SuppressionReason: "ManualSuppression", Origin: "Recipient" });
    expect(by("click+abc@example.com", "Click")).toMatchObject({ OriginalLink: "https://postline.test/x", ClickLocation: "HTML" });
  });

  it(".silent recipients get their events in the Messages API but no webhook", async () => {
    const { receiver, sandbox, client } = await setup({ clock: "virtual" });
    const silent = await send(client, "click.silent+42@example.com");
    await send(client, "delivered@example.com");
    await sandbox.flushWebhooks();
    expect(receiver.posts.map((p) => p.body.Recipient)).toEqual(["delivered@example.com"]);
    const d = await client.getOutboundMessageDetails(silent.MessageID);
    expect(d.MessageEvents.map((e) => e.Type)).toEqual(["Delivered", "Opened", "LinkClicked"]);
    expect(sandbox.stats().silenced).toBe(3);
  });

  it("the drop rate leaves events unposted but visible in the Messages API", async () => {
    const { receiver, sandbox, client } = await setup({ dropRate: 1 });
    const r = await send(client, "open@example.com");
    await sandbox.flushWebhooks();
    expect(receiver.posts).toHaveLength(0);
    expect(sandbox.stats().dropped).toBe(2);
    expect((await client.getOutboundMessageDetails(r.MessageID)).MessageEvents).toHaveLength(2);

    sandbox.setDelivery({ dropRate: 0.5 });
    for (let i = 0; i < 40; i++) await send(client, `d${i}@example.com`);
    await sandbox.flushWebhooks();
    expect(receiver.posts.length).toBeGreaterThan(5);
    expect(receiver.posts.length).toBeLessThan(35);
  });

  it("retries 500 and 429 on the schedule, counting X-PM-Retries-Remaining down, then succeeds", async () => {
    const { receiver, sandbox, client } = await setup({}, (_p, n) => (n === 1 ? 500 : n === 2 ? 429 : 200));
    await send(client, "a@example.com");
    await sandbox.flushWebhooks();
    expect(receiver.posts.map((p) => p.headers["x-pm-retries-remaining"])).toEqual(["2", "1", "0"]);
    expect(new Set(receiver.posts.map((p) => p.raw)).size).toBe(1); // the same body every time
    expect(new Set(receiver.posts.map((p) => p.headers["x-pm-webhook-trace-id"])).size).toBe(1);
    expect(receiver.posts[1].at - receiver.posts[0].at).toBeGreaterThanOrEqual(25);
    expect(sandbox.stats()).toMatchObject({ webhookPosts: 3, webhookDelivered: 1, webhookFailures: 2, webhookRetries: 2, webhookGivenUp: 0 });
    expect(sandbox.messages()[0].events[0].webhook).toBe("posted");
  });

  it("gives up after the last retry", async () => {
    const { receiver, sandbox, client } = await setup({}, () => 503);
    await send(client, "a@example.com");
    await sandbox.flushWebhooks();
    expect(receiver.posts).toHaveLength(3);
    expect(sandbox.stats().webhookGivenUp).toBe(1);
    expect(sandbox.messages()[0].events[0].webhook).toBe("failed");
  });

  it.each([400, 401, 403, 404, 422])("drops the event at once on %i", async (status) => {
    const { receiver, sandbox, client } = await setup({}, () => status);
    await send(client, "a@example.com");
    await sandbox.flushWebhooks();
    expect(receiver.posts).toHaveLength(1);
    expect(sandbox.stats()).toMatchObject({ webhookRetries: 0, webhookGivenUp: 1 });
  });

  it("retries a post that times out", async () => {
    const { receiver, sandbox, client } = await setup({ webhookTimeoutMs: 100 });
    // The first post goes to a port that accepts the connection and never answers.
    const net = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const blackhole = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", r));
    cleanups.push(async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => blackhole.close(() => r()));
    });
    sandbox.configureWebhook({ url: `http://127.0.0.1:${(blackhole.address() as { port: number }).port}/hook` });
    await send(client, "a@example.com");
    await new Promise((r) => setTimeout(r, 10));
    sandbox.configureWebhook({ url: receiver.url });
    await sandbox.flushWebhooks();
    expect(receiver.posts).toHaveLength(1);
    expect(sandbox.stats()).toMatchObject({ webhookFailures: 1, webhookRetries: 1, webhookDelivered: 1 });
  });

  it("retries when the receiver is down (connection refused)", async () => {
    const { receiver, sandbox, client } = await setup({ retryScheduleMs: [150] });
    const url = receiver.url;
    await receiver.close();
    const again = await startReceiver();
    cleanups.push(() => again.close());
    sandbox.configureWebhook({ url });
    await send(client, "a@example.com");
    await new Promise((r) => setTimeout(r, 50));
    sandbox.configureWebhook({ url: again.url });
    await sandbox.flushWebhooks();
    expect(again.posts).toHaveLength(1);
    expect(sandbox.stats()).toMatchObject({ webhookFailures: 1, webhookDelivered: 1 });
  });

  it("random outcomes follow the rates (seeded)", async () => {
    const { receiver, sandbox, client } = await setup({ rates: { open: 0.5, click: 0.2, hardbounce: 0.1 }, random: seededRandom(7), clock: "virtual" });
    await client.sendEmailBatch(Array.from({ length: 400 }, (_, i) => ({ From: "n@postline.test", To: `r${i}@example.com`, Subject: "s", TextBody: "t" })));
    await sandbox.flushWebhooks();
    const count = (t: string) => receiver.posts.filter((p) => p.body.RecordType === t).length;
    expect(count("Bounce")).toBeGreaterThan(20);
    expect(count("Bounce")).toBeLessThan(65);
    expect(count("Delivery")).toBe(400 - count("Bounce"));
    expect(count("Open") / 400).toBeGreaterThan(0.35);
    expect(count("Open") / 400).toBeLessThan(0.6);
    expect(count("Click")).toBeGreaterThan(50);
    expect(count("Click")).toBeLessThanOrEqual(count("Open"));
  });

  it("a webhook configured later only gets later events; none configured means no posts", async () => {
    const { receiver, sandbox, client } = await setup({ webhook: null });
    await send(client, "a@example.com");
    await sandbox.flushWebhooks();
    expect(sandbox.stats().unconfigured).toBe(1);
    sandbox.configureWebhook({ url: receiver.url });
    await send(client, "b@example.com");
    await sandbox.flushWebhooks();
    expect(types(receiver)).toEqual(["Delivery"]);
  });

  it("suppressions made through the API post a SubscriptionChange without MessageID", async () => {
    const { receiver, sandbox, client } = await setup();
    await client.createSuppressions("outbound", { Suppressions: [{ EmailAddress: "manual@example.com" }] });
    await sandbox.flushWebhooks();
    expect(receiver.posts[0].body).toMatchObject({ RecordType: "SubscriptionChange", MessageID: null, Origin: "Customer", SuppressSending: true, SuppressionReason: "ManualSuppression", Metadata: {} });
    await expect(send(client, "manual@example.com")).rejects.toMatchObject({ code: 406 });
    await client.deleteSuppressions("outbound", { Suppressions: [{ EmailAddress: "manual@example.com" }] });
    await sandbox.flushWebhooks();
    expect(receiver.posts[1].body).toMatchObject({ SuppressSending: false, SuppressionReason: null, Tag: null });
    await expect(send(client, "manual@example.com")).resolves.toMatchObject({ ErrorCode: 0 });
  });
});

describe("persistence with dataFile", () => {
  it("a sandbox restarted on the same file still answers search and details, and keeps suppressions", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-sandbox-"));
    const dataFile = path.join(dir, "sandbox.ndjson");
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const first = await startPostmarkSandbox({ serverToken: TOKEN, delayMs: 1, dataFile, clock: "virtual" });
    const c1 = createPostmarkClient({ serverToken: TOKEN, apiUrl: first.url, timeoutSeconds: 5 });
    const a = await send(c1, "click@example.com", { Metadata: { batch: "p1" } });
    await send(c1, "hardbounce@example.com", { Metadata: { batch: "p1" } });
    await first.flushWebhooks();
    // An event still to come when the process stops fires after the restart.
    first.setDelivery({ delayMs: 10_000 });
    const late = await send(c1, "open@example.com");
    await first.close();

    const second = await startPostmarkSandbox({ serverToken: TOKEN, delayMs: 1, dataFile });
    cleanups.push(() => second.close());
    const c2 = createPostmarkClient({ serverToken: TOKEN, apiUrl: second.url, timeoutSeconds: 5 });
    const found = await c2.getOutboundMessages({ count: 10, offset: 0, metadata_batch: "p1" } as never);
    expect(found.TotalCount).toBe(2);
    const d = await c2.getOutboundMessageDetails(a.MessageID);
    expect(d.MessageEvents.map((e) => e.Type)).toEqual(["Delivered", "Opened", "LinkClicked"]);
    expect(d.HtmlBody).toContain("https://postline.test/x");
    await expect(send(c2, "hardbounce@example.com")).rejects.toMatchObject({ code: 406 });
    await second.flushWebhooks();
    expect((await c2.getOutboundMessageDetails(late.MessageID)).MessageEvents.map((e) => e.Type)).toEqual(["Delivered", "Opened"]);
    // New bounce IDs do not collide with replayed ones.
    const b2 = await send(c2, "hardbounce+2@example.com");
    await second.flushWebhooks();
    const ids = second.messages().flatMap((m) => m.events.flatMap((e) => (e.bounceId ? [e.bounceId] : [])));
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(second.getMessage(b2.MessageID)!.events[0].recordType).toBe("Bounce");
  });
});
