/**
 * Opens and clicks are posted when they happen, at the pace asked for; and at the `fast` and `demo`
 * paces every person's event is still read as a person's by lib/engagement's classifier.
 */
import { afterEach, describe, expect, it } from "vitest";
import { classifyEngagement, engagementEventFromPostmark, type PostmarkEngagementFields } from "../../engagement/classify";
import { emptyEngagement, recordEngagement } from "../../engagement/state";
import { createPostmarkClient } from "../../postmark/client";
import { engineDefaults, SandboxEngine } from "./engine";
import { bodyLinks, linksOf, personLinkOf, type Pace } from "./machine-traffic";
import { sandboxOptionsFromEnv } from "./options";
import { seededRandom } from "./outcomes";
import { webhookPayload } from "./payloads";
import type { SendInput } from "./send-request";
import { startPostmarkSandbox } from "./server";
import { startReceiver } from "./test-support";
import type { SandboxOptions } from "./types";

const TOKEN = "pace";
const HONEYPOT = "https://app.postline.test/h/campaign-1";
const HTML = [
  '<a href="https://postline.test/view">View in browser</a>',
  '<a href="https://postline.test/offer">Offer</a>',
  '<a href="https://postline.test/blog">Blog</a>',
  '<a href="https://postline.test/u/abc">Unsubscribe</a>',
  `<a href="${HONEYPOT}" aria-hidden="true" tabindex="-1" style="display:none">.</a>`,
].join("\n");

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: Partial<SandboxOptions> = {}) {
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  const sandbox = await startPostmarkSandbox({ serverToken: TOKEN, delayMs: 1, webhook: { url: receiver.url }, ...options });
  cleanups.push(() => sandbox.close());
  const client = createPostmarkClient({ serverToken: TOKEN, apiUrl: sandbox.url, timeoutSeconds: 5 });
  const send = (to: string, html = HTML) => client.sendEmail({ From: "news@postline.test", To: to, Subject: "Hi", HtmlBody: html });
  return { receiver, sandbox, send };
}

const stamp = (body: Record<string, unknown>) => Date.parse(String(body.DeliveredAt ?? body.ReceivedAt));

describe("opens and clicks are posted when they happen", () => {
  it("fast: the open about 3 s and the click 11–12 s after delivery, each posted no earlier than its ReceivedAt", async () => {
    const { receiver, sandbox, send } = await setup();
    await send("click@example.com");
    await sandbox.flushWebhooks();
    const posts = receiver.posts.slice().sort((a, b) => stamp(a.body) - stamp(b.body));
    expect(posts.map((p) => p.body.RecordType)).toEqual(["Delivery", "Open", "Click"]);
    const delivered = stamp(posts[0].body);
    const [open, click] = posts.slice(1).map((p) => stamp(p.body) - delivered);
    expect(open).toBeGreaterThanOrEqual(2500);
    expect(open).toBeLessThanOrEqual(3500);
    expect(click).toBeGreaterThan(11_000);
    expect(click).toBeLessThanOrEqual(12_000);
    // Postmark never posts an event before it happened.
    for (const p of posts) expect(stamp(p.body)).toBeLessThanOrEqual(p.at);
    expect(posts[2].body.OriginalLink).toBe("https://postline.test/view");
  });

  it("real: a flush waits only for events due within its horizon, not for people reading hours later", async () => {
    const { receiver, sandbox, send } = await setup({ pace: "real", engagementRandom: seededRandom(1) });
    await send("click@example.com");
    await send("open@example.com");
    const started = Date.now();
    await sandbox.flushWebhooks({ timeoutMs: 5000 });
    expect(Date.now() - started).toBeLessThan(5000);
    // People read at least 20 s after delivery at the real pace: only the deliveries are in.
    expect(receiver.posts.map((p) => p.body.RecordType)).toEqual(["Delivery", "Delivery"]);
    expect(sandbox.stats().pending.events).toBe(3);
    for (const m of sandbox.messages()) expect(m.events.map((e) => e.recordType)).toEqual(["Delivery"]);
  });

  it("the virtual clock moves through hours of real-pace reading at once, stamping each event at its own time", async () => {
    const start = Date.parse("2026-11-03T14:00:00Z");
    const { receiver, sandbox, send } = await setup({ pace: "real", clock: "virtual", now: () => new Date(start), engagementRandom: seededRandom(2) });
    await send("click@example.com");
    await sandbox.flushWebhooks({ horizonMs: 7 * 3600_000 });
    const stamps = receiver.posts.map((p) => stamp(p.body)).sort((a, b) => a - b);
    expect(receiver.posts).toHaveLength(3);
    expect(stamps[0]).toBeGreaterThanOrEqual(start);
    expect(stamps[1] - stamps[0]).toBeGreaterThanOrEqual(20_000);
    expect(stamps[2] - stamps[1]).toBeGreaterThanOrEqual(5000);
  });
});

describe("POSTMARK_SANDBOX_PACE", () => {
  it("takes real, demo or fast", () => {
    expect(sandboxOptionsFromEnv({ POSTMARK_SANDBOX_PACE: "Demo" })).toEqual({ pace: "demo" });
    expect(() => sandboxOptionsFromEnv({ POSTMARK_SANDBOX_PACE: "slow" })).toThrow(/POSTMARK_SANDBOX_PACE must be one of real, demo, fast/);
  });
});

describe("people never click a hidden link", () => {
  it("scanners follow every link in document order, the hidden honeypot too; a person only visible ones", () => {
    const links = bodyLinks(HTML, null, new Set());
    expect(linksOf(HTML, null, new Set())).toEqual(["https://postline.test/view", "https://postline.test/offer", "https://postline.test/blog", HONEYPOT]);
    expect(links.filter((l) => l.hidden).map((l) => l.url)).toEqual([HONEYPOT]);
    expect(personLinkOf(links)).toBe("https://postline.test/view");
    // Either mark hides a link; a link also shown visibly is visible.
    expect(bodyLinks(`<a style="color:red; display: none" href="https://a.test/1">x</a><a aria-hidden=true href="https://a.test/2">y</a>`, null, new Set()).map((l) => l.hidden)).toEqual([true, true]);
    expect(bodyLinks(`<a href="https://a.test/1" style="display:none">x</a><a href="https://a.test/1">x</a>`, null, new Set())).toEqual([{ url: "https://a.test/1", hidden: false }]);
    expect(personLinkOf(bodyLinks(`<a href="${HONEYPOT}" aria-hidden="true">.</a>`, null, new Set()))).toBeNull();
  });

  it("a person clicks a visible link, a scanner the honeypot as well; with only hidden links the person does not click", async () => {
    const { sandbox, send } = await setup({ clock: "virtual" });
    const person = await send("click@example.com");
    const scanner = await send("scanner@example.com");
    const hiddenOnly = await send("click+2@example.com", `<p>Hi</p><a href="${HONEYPOT}" aria-hidden="true" tabindex="-1" style="display:none">.</a>`);
    await sandbox.flushWebhooks();
    const clicks = (id: string) => sandbox.getMessage(id)!.events.filter((e) => e.recordType === "Click").map((e) => [e.truth, e.link]);
    expect(clicks(person.MessageID)).toEqual([["human", "https://postline.test/view"]]);
    expect(clicks(scanner.MessageID).map(([, link]) => link)).toEqual(["https://postline.test/view", "https://postline.test/offer", "https://postline.test/blog", HONEYPOT]);
    expect(sandbox.getMessage(hiddenOnly.MessageID)!.events.map((e) => e.recordType)).toEqual(["Delivery", "Open"]);
  });
});

describe("every person's event is classified human at the fast and demo paces", () => {
  function newsletter(i: number): SendInput {
    const to = `reader${i}@example.com`;
    return { to, cc: "", bcc: "", recipients: [to], from: "news@postline.test", subject: "s", tag: "", metadata: {}, stream: "broadcast", htmlBody: HTML, textBody: null, headers: [], trackOpens: true, trackLinks: "HtmlAndText", attachments: [] };
  }

  /** Plans `n` recipients at `pace` with plenty of machines, and classifies their events in time order, as ingestion would. */
  async function classified(pace: Pace, n: number) {
    const defaults = engineDefaults();
    const engine = new SandboxEngine({
      ...defaults,
      rates: { ...defaults.rates, open: 0.7, click: 0.4, mpp: 0.4, proxy: 0.2, scanner: 0.3 },
      delayMs: 0,
      pace,
      clock: "virtual",
      random: seededRandom(11),
      engagementRandom: seededRandom(12),
      now: () => new Date("2026-11-03T14:00:00Z"),
      log: () => {},
    });
    await engine.open();
    engine.accept(Array.from({ length: n }, (_, i) => newsletter(i)));
    await engine.flush({ horizonMs: Infinity });
    const results: { truth: string; verdict: string; reasons: string[]; sinceDelivery: number; recordType: string }[] = [];
    for (const m of engine.store.all()) {
      const delivery = m.events.find((e) => e.recordType === "Delivery")!;
      let state = emptyEngagement({ sentAt: new Date(m.submittedAt), deliveredAt: new Date(delivery.at) });
      const engagement = m.events.filter((e) => e.truth).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      for (const e of engagement) {
        const event = engagementEventFromPostmark(webhookPayload(m, e, 4010) as unknown as PostmarkEngagementFields, HONEYPOT);
        const verdict = classifyEngagement(event, state);
        state = recordEngagement(state, event, verdict);
        results.push({ truth: e.truth!, verdict: verdict.class, reasons: verdict.reasons, sinceDelivery: (Date.parse(e.at) - Date.parse(delivery.at)) / 1000, recordType: e.recordType });
      }
    }
    await engine.close();
    return results;
  }

  it("fast: people are people and every machine is what it is", async () => {
    const results = await classified("fast", 2000);
    const human = results.filter((r) => r.truth === "human");
    expect(human.filter((r) => r.recordType === "Click").length).toBeGreaterThan(300);
    expect(new Set(results.map((r) => r.truth))).toEqual(new Set(["human", "apple_mpp", "image_proxy", "link_scanner"]));
    expect(human.filter((r) => r.verdict !== "human")).toEqual([]);
    expect(results.filter((r) => r.verdict !== r.truth)).toEqual([]);
    // The fast pace's timing: people within seconds; MPP 1–2 s; scanners start 1–3 s.
    for (const r of human) expect(r.sinceDelivery).toBeLessThanOrEqual(r.recordType === "Open" ? 3.5 : 250);
    for (const r of results.filter((x) => x.truth === "apple_mpp")) expect(r.sinceDelivery).toBeLessThanOrEqual(3.5);
  });

  it("demo: people are people, reading within about 15–90 s", async () => {
    const results = await classified("demo", 2000);
    const human = results.filter((r) => r.truth === "human");
    expect(human.filter((r) => r.recordType === "Click").length).toBeGreaterThan(300);
    expect(human.filter((r) => r.verdict !== "human")).toEqual([]);
    for (const r of human.filter((x) => x.recordType === "Open")) {
      expect(r.sinceDelivery).toBeGreaterThanOrEqual(15);
      expect(r.sinceDelivery).toBeLessThanOrEqual(90);
    }
  });

  it("real: the same world, with the misreadings the classifier must live with (not asserted to be zero)", async () => {
    const results = await classified("real", 500);
    expect(results.some((r) => r.truth === "human" && r.sinceDelivery > 3600)).toBe(true);
  });
});
