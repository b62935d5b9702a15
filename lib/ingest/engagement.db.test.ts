import fs from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageEvents, messages } from "@/db/schema";
import { createCampaign } from "@/lib/campaigns/campaigns";
import { createContact } from "@/lib/contacts/contacts";
import { honeypotLink } from "@/lib/engagement/honeypot";
import { ENGAGEMENT_RULES } from "@/lib/engagement/rules";
import { sharedDir } from "@/lib/local/postmark-sandbox/test-support";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { classifyBatch, readEngagement } from "./engagement";
import { extractPostmarkEvent } from "./extract";
import { ingestPostmarkEvent, ingestPostmarkEvents, linkOrphanEvents, lockPostmarkIdsForWrite } from "./ingest";
import { postmarkEventSchema, type PostmarkEvent } from "./postmark-payload";

const SHARED = path.join(sharedDir(), "postmark/webhooks");
const DELIVERED = "2026-11-03T14:00:00.000Z";
const at = (seconds: number) => new Date(Date.parse(DELIVERED) + seconds * 1000).toISOString();

const OUTLOOK = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.6326; Pro)";
const CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";
const person = { UserAgent: CHROME, Client: { Name: "Chrome 130", Family: "Chrome" }, OS: { Family: "Windows" }, Platform: "Desktop", Geo: { IP: "188.2.95.4" } };
const mpp = { UserAgent: "Mozilla/5.0", Client: { Name: "Unknown", Family: "Unknown" }, OS: { Family: "Unknown" }, Platform: "Unknown", Geo: { IP: "104.28.85.110" } };

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  // One endpoint subscribed to opens and clicks, so the outbox keeps their payloads.
  await t.db.execute(sql`insert into webhook_endpoints (url, events, status, rate_limit, rate_limit_period, secret, verification_token)
    values ('http://127.0.0.1:9/hook', array['Email.Opened', 'Email.Clicked'], 'active', 100, 'second', 'secret', 'token')`);
});
afterAll(() => t.drop());

let n = 0;
async function sentMessage({ delivered = true, pm: withPm = true }: { delivered?: boolean; pm?: boolean } = {}) {
  const email = `e${++n}@engagement.test`;
  const contact = await createContact(t.db, { email });
  const campaign = await createCampaign(t.db, { name: `c${n}`, subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" });
  const pm = `pm-eng-${n}-${Math.random().toString(36).slice(2)}`;
  const [message] = await t.db
    .insert(messages)
    .values({
      kind: "campaign", campaignId: campaign.id, contactId: contact.id, toEmail: email, fromEmail: "f@postline.test", subject: "s",
      messageStream: "broadcast", status: "sent", postmarkMessageId: withPm ? pm : null, sentAt: new Date(Date.parse(DELIVERED) - 1000),
    })
    .returning();
  if (delivered && withPm) await ingestPostmarkEvent(t.db, delivery(pm, email));
  return { message, campaign, pm, email };
}

function delivery(pm: string, email: string, when = DELIVERED): PostmarkEvent {
  return postmarkEventSchema.parse({ RecordType: "Delivery", MessageID: pm, Recipient: email, DeliveredAt: when, MessageStream: "broadcast", Metadata: {}, Tag: "t" });
}
function open(pm: string, email: string, seconds: number, who: Record<string, unknown>): PostmarkEvent {
  return postmarkEventSchema.parse({ RecordType: "Open", MessageID: pm, Recipient: email, ReceivedAt: at(seconds), FirstOpen: true, MessageStream: "broadcast", Metadata: {}, Tag: "t", ...who });
}
function click(pm: string, email: string, seconds: number, link: string, who: Record<string, unknown>): PostmarkEvent {
  return postmarkEventSchema.parse({ RecordType: "Click", MessageID: pm, Recipient: email, ReceivedAt: at(seconds), OriginalLink: link, ClickLocation: "HTML", MessageStream: "broadcast", Metadata: {}, Tag: "t", ...who });
}

async function eventsOf(messageId: string) {
  return t.db.select().from(messageEvents).where(eq(messageEvents.messageId, messageId)).orderBy(messageEvents.occurredAt);
}
async function rawOf(eventId: number) {
  return (await t.db.execute<{ raw: unknown }>(sql`select raw from message_event_raw where event_id = ${eventId}`)).rows[0]?.raw;
}

async function messageRow(id: string) {
  const [m] = await t.db.select().from(messages).where(eq(messages.id, id));
  return m;
}
async function counters(campaignId: string) {
  const [row] = (
    await t.db.execute<Record<string, number>>(sql`
      select coalesce(sum(opened), 0)::int as opened, coalesce(sum(clicked), 0)::int as clicked,
             coalesce(sum(opened_human), 0)::int as opened_human, coalesce(sum(clicked_human), 0)::int as clicked_human,
             coalesce(sum(opened_machine_only), 0)::int as opened_machine_only,
             coalesce(sum(opened_apple_mpp), 0)::int as opened_apple_mpp, coalesce(sum(opened_image_proxy), 0)::int as opened_image_proxy,
             coalesce(sum(opened_link_scanner), 0)::int as opened_link_scanner, coalesce(sum(opened_unknown), 0)::int as opened_unknown,
             coalesce(sum(clicked_link_scanner), 0)::int as clicked_link_scanner, coalesce(sum(clicked_unknown), 0)::int as clicked_unknown
      from campaign_event_counters where campaign_id = ${campaignId}`)
  ).rows;
  return row;
}

describe("classification at ingestion (real PostgreSQL)", () => {
  for (const file of fs.readdirSync(SHARED).filter((f) => f.startsWith("engagement-"))) {
    const expected = /^engagement-(.+)-\d\.json$/.exec(file)![1];
    it(`${file}: delivered at 14:00:00, classified ${expected} with its reasons; the raw JSON stays as received`, async () => {
      const { message, pm } = await sentMessage();
      const rawText = fs.readFileSync(path.join(SHARED, file), "utf8");
      const payload = { ...JSON.parse(rawText), MessageID: pm };
      const text = JSON.stringify(payload);
      const result = await ingestPostmarkEvent(t.db, postmarkEventSchema.parse(payload), { rawText: text });
      expect(result.outcome).toBe("stored");
      const [row] = await t.db.select().from(messageEvents).where(eq(messageEvents.id, result.eventId!));
      expect(row.engagementClass).toBe(expected);
      expect(row.engagementReasons!.length).toBeGreaterThan(0);
      expect(row.engagementRulesVersion).toBe(ENGAGEMENT_RULES.version);
      expect(await rawOf(row.id)).toEqual(payload);
      const m = await messageRow(message.id);
      const human = expected === "human" || expected === "image_proxy";
      expect(m.firstHumanOpenedAt !== null).toBe(human);
      expect(payload.RecordType === "Open" ? m.openClasses : m.clickClasses).toEqual([expected]);
    });
  }

  it("Apple's prefetch only: opened by a machine, not by a person; a person's click later upgrades the open, and the counters follow", async () => {
    const { message, campaign, pm, email } = await sentMessage();
    await ingestPostmarkEvent(t.db, open(pm, email, 4, mpp));
    let m = await messageRow(message.id);
    expect(m.firstOpenedAt).not.toBeNull();
    expect(m.firstHumanOpenedAt).toBeNull();
    expect(m.openClasses).toEqual(["apple_mpp"]);
    expect(await counters(campaign.id)).toMatchObject({ opened: 1, opened_human: 0, opened_machine_only: 1, opened_apple_mpp: 1 });

    // Forty minutes later the reader clicks (Apple showed the cached copy: no second open reaches us).
    await ingestPostmarkEvent(t.db, click(pm, email, 2400, "https://e.test/offer", person));
    m = await messageRow(message.id);
    expect(m.firstHumanClickedAt?.toISOString()).toBe(at(2400));
    expect(m.firstHumanOpenedAt?.toISOString()).toBe(at(2400));
    expect(m.engagement).toMatchObject({ humanOpenFromClick: true });
    expect(await counters(campaign.id)).toMatchObject({ opened: 1, clicked: 1, opened_human: 1, clicked_human: 1, opened_machine_only: 0, opened_apple_mpp: 1 });

    // A later machine event never downgrades the person.
    await ingestPostmarkEvent(t.db, open(pm, email, 2500, mpp));
    m = await messageRow(message.id);
    expect(m.firstHumanOpenedAt?.toISOString()).toBe(at(2400));
    expect(await counters(campaign.id)).toMatchObject({ opened_human: 1, opened_machine_only: 0 });
  });

  it("a scanner clicking every link within a second, before any open: all link_scanner, no person counted, and Email.Clicked says so", async () => {
    const { message, campaign, pm, email } = await sentMessage();
    const links = ["https://e.test/a", "https://e.test/b", "https://e.test/c"];
    // Spread over separate posts, as Postmark sends them.
    for (const [i, link] of links.entries()) await ingestPostmarkEvent(t.db, click(pm, email, 35 + i * 0.3, link, person));
    const events = await eventsOf(message.id);
    expect(events.filter((e) => e.recordType === "Click").map((e) => e.engagementClass)).toEqual(["link_scanner", "link_scanner", "link_scanner"]);
    expect(events.find((e) => e.recordType === "Click")!.engagementReasons).toContain("pattern:click-before-open");
    expect(events.filter((e) => e.recordType === "Click").at(-1)!.engagementReasons).toContain("pattern:multi-link-burst");
    const m = await messageRow(message.id);
    expect(m.firstClickedAt).not.toBeNull();
    expect(m.firstHumanClickedAt).toBeNull();
    expect(m.firstHumanOpenedAt).toBeNull();
    expect(await counters(campaign.id)).toMatchObject({ clicked: 1, clicked_human: 0, clicked_link_scanner: 1 });
    const links2 = (await t.db.execute<{ clicks: number; human_clicks: number }>(sql`select sum(clicks)::int as clicks, sum(human_clicks)::int as human_clicks from campaign_link_clicks where campaign_id = ${campaign.id} group by link`)).rows;
    expect(links2.map((r) => [r.clicks, r.human_clicks])).toEqual([[1, 0], [1, 0], [1, 0]]);
    const outbound = (await t.db.execute<{ data: { machine: { class: string; reasons: string[] } } }>(sql`select data from webhook_events where event = 'Email.Clicked' and data->>'message_id' = ${message.id}`)).rows;
    expect(outbound).toHaveLength(3);
    for (const o of outbound) expect(o.data.machine.class).toBe("link_scanner");
  });

  it("a click on the hidden honeypot link marks that message's clicks within the window as a scanner's, and a person's click long after stays human", async () => {
    const { message, campaign, pm, email } = await sentMessage();
    await ingestPostmarkEvents(t.db, [
      { event: click(pm, email, 600, honeypotLink("https://app.example", campaign.id), person) },
      { event: click(pm, email, 630, "https://e.test/read-more", person) },
    ]);
    await ingestPostmarkEvent(t.db, click(pm, email, 7200, "https://e.test/buy", person));
    const clicks = (await eventsOf(message.id)).filter((e) => e.recordType === "Click");
    expect(clicks.map((e) => e.engagementClass)).toEqual(["link_scanner", "link_scanner", "human"]);
    expect(clicks[0].engagementReasons).toContain("honeypot");
    expect(clicks[1].engagementReasons).toContain(`honeypot:within-${ENGAGEMENT_RULES.windows.honeypot}s`);
    expect(await counters(campaign.id)).toMatchObject({ clicked_human: 1, clicked_link_scanner: 1 });
  });

  it("ends in the same state whatever order the events arrive in, in one batch or one by one", async () => {
    const script = (pm: string, email: string) => [
      open(pm, email, 3, mpp),
      click(pm, email, 40, "https://e.test/a", person),
      click(pm, email, 40.4, "https://e.test/b", person),
      open(pm, email, 1800, { ...person, UserAgent: OUTLOOK, Client: { Name: "Outlook", Family: "Outlook" } }),
      click(pm, email, 1830, "https://e.test/c", person),
    ];
    const finals = [];
    for (const mode of ["batch", "reversed", "one-by-one"] as const) {
      const { message, campaign, pm, email } = await sentMessage();
      const events = script(pm, email);
      if (mode === "batch") await ingestPostmarkEvents(t.db, events.map((event) => ({ event })));
      if (mode === "reversed") await ingestPostmarkEvents(t.db, [...events].reverse().map((event) => ({ event })));
      if (mode === "one-by-one") for (const event of events) await ingestPostmarkEvent(t.db, event);
      const m = await messageRow(message.id);
      finals.push({
        classes: (await eventsOf(message.id)).filter((e) => e.engagementClass).map((e) => `${e.recordType}:${e.engagementClass}`),
        firstHumanOpenedAt: m.firstHumanOpenedAt?.toISOString(),
        firstHumanClickedAt: m.firstHumanClickedAt?.toISOString(),
        openClasses: m.openClasses,
        clickClasses: m.clickClasses,
        counters: await counters(campaign.id),
      });
    }
    expect(finals[0]).toEqual({
      classes: ["Open:apple_mpp", "Click:link_scanner", "Click:link_scanner", "Open:human", "Click:human"],
      firstHumanOpenedAt: at(1800),
      firstHumanClickedAt: at(1830),
      openClasses: ["apple_mpp", "human"],
      clickClasses: ["human", "link_scanner"],
      counters: expect.objectContaining({ opened: 1, clicked: 1, opened_human: 1, clicked_human: 1, opened_machine_only: 0, opened_apple_mpp: 1, clicked_link_scanner: 1 }),
    });
    expect(finals[1]).toEqual(finals[0]);
    expect(finals[2]).toEqual(finals[0]);
  });

  it("refuses to write a state that changed after it was read (40001), so a concurrent batch is classified again", async () => {
    const { message, pm, email } = await sentMessage();
    const first = click(pm, email, 900, "https://e.test/a", person);
    const stale = await readEngagement(t.db, [pm]);
    await ingestPostmarkEvent(t.db, open(pm, email, 800, person));
    const { states } = classifyBatch([{ ord: 0, extracted: extractPostmarkEvent(first), event: first }], stale);
    const item = { ord: 0, event_key: "k-stale", pm, record_type: "Click", source: "webhook", raw: JSON.stringify(first), kind: "clicked", implied: "clicked",
                   occurred_at: at(900), details: {}, recipient: email, engagement_class: "human", engagement_reasons: ["x"], engagement_rules_version: "v", human: true };
    await expect(t.db.execute(sql`select postline_ingest_events(${JSON.stringify([item])}::jsonb, ${JSON.stringify(states)}::jsonb)`)).rejects.toMatchObject({ cause: { code: "40001" } });
    // Through ingestion (which reads again) the same click is stored and sees the open.
    await ingestPostmarkEvent(t.db, first);
    expect((await messageRow(message.id)).firstHumanClickedAt?.toISOString()).toBe(at(900));
  });

  it("many posts for one message at once, from two writers: every click kept in the state, each counted once", async () => {
    const { message, campaign, pm, email } = await sentMessage();
    const events = Array.from({ length: 12 }, (_, i) => click(pm, email, 3600 + i * 60, `https://e.test/${i}`, person));
    await Promise.all(events.map((event) => ingestPostmarkEvent(t.db, event)));
    const m = await messageRow(message.id);
    expect((m.engagement as { recentClicks: unknown[] }).recentClicks).toHaveLength(12);
    expect((await eventsOf(message.id)).filter((e) => e.engagementClass === "human")).toHaveLength(12);
    expect(await counters(campaign.id)).toMatchObject({ clicked: 1, clicked_human: 1 });
    const hourly = (await t.db.execute<{ clicks: number; human_clicks: number }>(sql`select sum(clicks)::int as clicks, sum(human_clicks)::int as human_clicks from campaign_hourly_activity where campaign_id = ${campaign.id}`)).rows[0];
    expect(hourly).toEqual({ clicks: 12, human_clicks: 12 });
  });

  it("an open that beat its message's MessageID is classified when it meets its message, with the delivery timing", async () => {
    const { message, campaign, pm, email } = await sentMessage({ pm: false });
    const orphanOpen = open(pm, email, 3, { ...mpp, Geo: { IP: "198.51.100.9" } });
    expect((await ingestPostmarkEvents(t.db, [{ event: delivery(pm, email) }, { event: orphanOpen }])).map((r) => r.outcome)).toEqual(["orphan", "orphan"]);
    await t.db.transaction(async (tx) => {
      await lockPostmarkIdsForWrite(tx, [pm]);
      await tx.update(messages).set({ postmarkMessageId: pm }).where(eq(messages.id, message.id));
      await linkOrphanEvents(tx, [pm]);
    });
    const opened = (await eventsOf(message.id)).find((e) => e.recordType === "Open")!;
    expect(opened.engagementClass).toBe("apple_mpp");
    expect(opened.engagementReasons).toContain(`timing:open-within-${ENGAGEMENT_RULES.windows.mppAfterDelivery}s-of-delivery`);
    expect(await counters(campaign.id)).toMatchObject({ opened: 1, opened_machine_only: 1, opened_apple_mpp: 1 });
  });

  it("an open recovered by reconciliation carries no user agent: unknown, and not counted as a person", async () => {
    const { message, campaign, pm, email } = await sentMessage();
    const recovered = postmarkEventSchema.parse({ RecordType: "Open", MessageID: pm, Recipient: email, ReceivedAt: at(3600), FirstOpen: true, MessageStream: "broadcast", Metadata: {} });
    await ingestPostmarkEvent(t.db, recovered, { source: "reconciliation" });
    const [e] = (await eventsOf(message.id)).filter((x) => x.recordType === "Open");
    expect(e.engagementClass).toBe("unknown");
    expect(e.engagementReasons).toEqual(["ua:empty"]);
    expect(await counters(campaign.id)).toMatchObject({ opened: 1, opened_human: 0, opened_unknown: 1, opened_machine_only: 1 });
  });
});
