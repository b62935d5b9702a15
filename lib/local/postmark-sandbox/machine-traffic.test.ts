/** Machine traffic from the sandbox: forced by local part or by rates, shaped like Postmark's payloads, truth kept aside. */
import { afterEach, describe, expect, it } from "vitest";
import { createPostmarkClient } from "../../postmark/client";
import { engagementSteps, planEngagement } from "./machine-traffic";
import { parseSandboxRates } from "./options";
import { forcedOutcome, seededRandom, ZERO_RATES } from "./outcomes";
import { startPostmarkSandbox } from "./server";
import { readFixture, startReceiver } from "./test-support";
import type { SandboxOptions } from "./types";

const TOKEN = "machine-traffic";
const HTML = [
  '<a href="https://postline.test/view">View in browser</a>',
  '<a href="https://postline.test/offer">Offer</a>',
  '<a href="https://postline.test/offer">Offer again</a>',
  '<a href="https://postline.test/blog">Blog</a>',
  '<a href="https://postline.test/u/abc">Unsubscribe</a>',
].join(" ");
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
  const send = (to: string) => client.sendEmail({ From: "news@postline.test", To: to, Subject: "Hi", HtmlBody: HTML, Tag: "t" });
  return { receiver, sandbox, send };
}

type Shape = string | { [key: string]: Shape };
function shape(value: unknown): Shape {
  if (value === null) return "null";
  if (typeof value === "object") return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, k === "Metadata" ? "metadata" : shape(v)]));
  return typeof value;
}

describe("local parts force machine traffic", () => {
  it("mpp@: Apple's prefetch seconds after delivery, from Apple's relay, with the bare user agent", async () => {
    const { receiver, sandbox, send } = await setup();
    const r = await send("mpp@example.com");
    await sandbox.flushWebhooks();
    // A quarter of MPP recipients get a later proxy fetch too (FirstOpen false).
    const [delivery, open, ...later] = receiver.posts.map((p) => p.body).sort((a, b) => Date.parse(String(a.DeliveredAt ?? a.ReceivedAt)) - Date.parse(String(b.DeliveredAt ?? b.ReceivedAt)));
    expect([delivery.RecordType, open.RecordType]).toEqual(["Delivery", "Open"]);
    expect(later.map((p) => [p.RecordType, p.FirstOpen, p.UserAgent])).toEqual(later.length ? [["Open", false, "Mozilla/5.0"]] : []);
    expect(open).toMatchObject({ UserAgent: "Mozilla/5.0", Platform: "Unknown", FirstOpen: true, Client: { Family: "Unknown" } });
    const seconds = (Date.parse(String(open.ReceivedAt)) - Date.parse(String(delivery.DeliveredAt))) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(8);
    expect(String((open.Geo as { IP: string }).IP)).toMatch(/^(104\.28|172\.22[56]|172\.232|146\.75|140\.248)\.|^2a0[24]:/);
    // Postmark's shape (the documented MPP example), and the truth only in the sandbox's records.
    expect(shape(open)).toEqual(shape({ ...(readFixture("webhooks/engagement-apple_mpp-1.json") as object), Metadata: {} }));
    expect(JSON.stringify(receiver.posts.map((p) => p.body))).not.toMatch(/truth|actor|apple-mpp/);
    expect(sandbox.getMessage(r.MessageID)!.events.map((e) => e.truth ?? null)).toEqual([null, "apple_mpp", ...later.map(() => "apple_mpp")]);
  });

  it("scanner@: every link but the unsubscribe one clicked once, within a second or two, from one address", async () => {
    const { receiver, sandbox, send } = await setup();
    const r = await send("scanner+1@example.com");
    await sandbox.flushWebhooks();
    // Posts run concurrently and may arrive in any order; the timestamps tell the scanner's order.
    const clicks = receiver.posts
      .filter((p) => p.body.RecordType === "Click")
      .map((p) => p.body)
      .sort((a, b) => Date.parse(String(a.ReceivedAt)) - Date.parse(String(b.ReceivedAt)));
    expect(clicks.map((c) => c.OriginalLink)).toEqual(["https://postline.test/view", "https://postline.test/offer", "https://postline.test/blog"]);
    expect(receiver.posts.filter((p) => p.body.RecordType === "Open")).toHaveLength(0);
    const times = clicks.map((c) => Date.parse(String(c.ReceivedAt)));
    expect(times[2] - times[0]).toBeLessThan(1000);
    expect(new Set(clicks.map((c) => (c.Geo as { IP: string }).IP)).size).toBe(1);
    expect(shape(clicks[0])).toEqual(shape({ ...(readFixture("webhooks/engagement-link_scanner-1.json") as object), Metadata: {} }));
    expect(sandbox.getMessage(r.MessageID)!.events.filter((e) => e.recordType === "Click").every((e) => e.truth === "link_scanner" && e.actor?.startsWith("scanner:"))).toBe(true);
  });

  it("forcedOutcome reads the machine words like the outcome words", () => {
    expect(forcedOutcome("MPP.silent+7@example.com")).toEqual({ outcome: "open", silent: true, machine: "mpp" });
    expect(forcedOutcome("scanner@example.com")).toEqual({ outcome: "delivered", silent: false, machine: "scanner" });
  });
});

describe("rates", () => {
  it("POSTMARK_SANDBOX_RATES takes mpp, scanner and proxy", () => {
    expect(parseSandboxRates("open=0.45,click=0.1,mpp=0.5,scanner=0.05,proxy=0.2")).toEqual({ open: 0.45, click: 0.1, mpp: 0.5, scanner: 0.05, proxy: 0.2 });
  });

  it("people open minutes after delivery and click after opening; mpp=0.5 makes about half the opens Apple's (seeded)", async () => {
    const { receiver, sandbox } = await setup({ rates: { open: 1, click: 0.3, mpp: 0.5 }, random: seededRandom(3), engagementRandom: seededRandom(4), pace: "real", clock: "virtual" });
    const client = createPostmarkClient({ serverToken: TOKEN, apiUrl: sandbox.url, timeoutSeconds: 5 });
    await client.sendEmailBatch(Array.from({ length: 200 }, (_, i) => ({ From: "n@postline.test", To: `r${i}@example.com`, Subject: "s", HtmlBody: HTML })));
    // People read up to 6 hours later: the virtual clock gets there at once.
    await sandbox.flushWebhooks({ horizonMs: 7 * 3600_000 });
    const opens = receiver.posts.filter((p) => p.body.RecordType === "Open" && p.body.FirstOpen === true);
    expect(opens).toHaveLength(200);
    const mpp = opens.filter((p) => p.body.UserAgent === "Mozilla/5.0").length;
    expect(mpp / 200).toBeGreaterThan(0.4);
    expect(mpp / 200).toBeLessThan(0.6);
    for (const m of sandbox.messages()) {
      const delivered = Date.parse(m.events.find((e) => e.recordType === "Delivery")!.at);
      const human = m.events.filter((e) => e.truth === "human");
      for (const e of human) expect(Date.parse(e.at) - delivered).toBeGreaterThanOrEqual(20_000);
      const open = human.find((e) => e.recordType === "Open");
      const click = human.find((e) => e.recordType === "Click");
      if (open && click) expect(Date.parse(click.at) - Date.parse(open.at)).toBeGreaterThanOrEqual(5000);
    }
  });

  it("a person's click on a link a scanner already followed is never posted (Postmark posts one click per link)", () => {
    const plan = planEngagement({ outcome: "click", forced: "scanner", rates: ZERO_RATES, random: seededRandom(1), links: ["https://a.test/1", "https://a.test/2"], clickLink: "https://a.test/1" })!;
    const steps = engagementSteps("click", plan);
    expect(steps.filter((s) => s.truth === "human").map((s) => s.recordType)).toEqual(["Open"]);
    expect(steps.filter((s) => s.truth === "link_scanner")).toHaveLength(2);
  });
});
