import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignHourlyActivity, campaigns, messages } from "@/db/schema";
import { ingestPostmarkEvents } from "@/lib/ingest/ingest";
import { postmarkEventSchema } from "@/lib/ingest/postmark-payload";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { FINE_BARS_MAX_SENT, getCampaignActivity } from "./activity";
import { createCampaign, getCampaignOrThrow } from "./campaigns";
import { campaignPollInterval, FAST_POLL_MS, getCampaignLastEventAt, SLOW_POLL_MS } from "./live";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const MIN = 60_000;
let n = 0;

/** A campaign started at `startedAt` with `recipients` sent messages, and Open/Click events ingested as Postmark posts them. */
async function campaignWithActivity(startedAt: Date, events: { minute: number; type: "Open" | "Click" }[], recipients = 3) {
  const c = await createCampaign(t.db, { name: `activity ${++n}`, subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" });
  await t.db.update(campaigns).set({ status: "sent", startedAt, completedAt: startedAt, recipientCount: recipients, sentCount: recipients }).where(eq(campaigns.id, c.id));
  const rows = await t.db
    .insert(messages)
    .values(Array.from({ length: recipients }, (_, i) => ({ kind: "campaign" as const, campaignId: c.id, toEmail: `a${n}-${i}@activity.test`, fromEmail: "f@postline.test", subject: "s", messageStream: "broadcast", status: "sent" as const, postmarkMessageId: `act-${n}-${i}`, sentAt: startedAt })))
    .returning();
  await ingestPostmarkEvents(
    t.db,
    events.map((e, i) => {
      const m = rows[i % rows.length];
      const at = new Date(startedAt.getTime() + e.minute * MIN + i * 1000).toISOString();
      const base = { RecordType: e.type, MessageID: m.postmarkMessageId, MessageStream: "broadcast", Metadata: {}, Tag: "t", Recipient: m.toEmail, ReceivedAt: at };
      const event = postmarkEventSchema.parse(e.type === "Open" ? { ...base, FirstOpen: true } : { ...base, OriginalLink: "https://e.test/a" });
      return { event };
    }),
  );
  return getCampaignOrThrow(t.db, c.id);
}

const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("a campaign's chart (real PostgreSQL)", () => {
  it("draws minute bars for a campaign sent minutes ago, counted from its events", async () => {
    const now = new Date();
    // On a whole minute: the events lie seconds after their minute, so none crosses into the next bar
    // (from an arbitrary start, a click at +3 min +2 s fell in the next bar about one run in thirty).
    const startedAt = new Date(Math.floor((now.getTime() - 20 * MIN) / MIN) * MIN);
    const campaign = await campaignWithActivity(startedAt, [
      { minute: 0, type: "Open" },
      { minute: 0, type: "Open" },
      { minute: 3, type: "Click" },
      { minute: 12, type: "Open" },
    ]);
    const a = await getCampaignActivity(t.db, { campaign, live: true, now });
    expect(a.bucket.label).toBe("1 minute");
    expect(a.coarsened).toBe(false);
    expect(a.buckets.length).toBeGreaterThanOrEqual(20);
    expect(a.buckets.length).toBeLessThanOrEqual(22);
    // Bars are consecutive minutes from the start: quiet minutes are zero bars, not missing.
    expect(new Date(a.buckets[1]).getTime() - new Date(a.buckets[0]).getTime()).toBe(MIN);
    const at = (minute: number) => a.buckets.findIndex((b) => new Date(b).getTime() > startedAt.getTime() + minute * MIN) - 1;
    expect(a.allOpens[at(0)]).toBe(2);
    expect(a.allClicks[at(3)]).toBe(1);
    expect(a.allOpens[at(12)]).toBe(1);
    expect([total(a.allOpens), total(a.allClicks)]).toEqual([3, 1]);
    expect(a.links).toEqual([{ link: "https://e.test/a", clicks: 1, human_clicks: expect.any(Number), unique_clicks: 1 }]);
  });

  it("draws hour bars from the hourly rows once the campaign is days old, with the same totals", async () => {
    const now = new Date();
    const startedAt = new Date(now.getTime() - 50 * 60 * MIN);
    const campaign = await campaignWithActivity(startedAt, [
      { minute: 5, type: "Open" },
      { minute: 65, type: "Open" },
      { minute: 600, type: "Click" },
    ]);
    const a = await getCampaignActivity(t.db, { campaign, live: true, now });
    expect(a.bucket.label).toBe("1 hour");
    expect(a.buckets.length).toBeGreaterThanOrEqual(24);
    expect(a.buckets.length).toBeLessThanOrEqual(60);
    expect([total(a.allOpens), total(a.allClicks)]).toEqual([2, 1]);
    // Bars begin on whole hours (UTC without a time zone).
    expect(a.buckets[0]).toMatch(/T\d\d:00:00\.000Z$/);
  });

  it("a finished campaign's chart ends at its last activity, not now", async () => {
    const now = new Date();
    const startedAt = new Date(now.getTime() - 30 * 24 * 60 * MIN);
    const campaign = await campaignWithActivity(startedAt, [
      { minute: 1, type: "Open" },
      { minute: 40, type: "Open" },
    ]);
    const a = await getCampaignActivity(t.db, { campaign, live: false, now });
    // Two hours of activity, long ago: minute bars over those hours, not 30 days of empty ones.
    expect(a.bucket.ms).toBeLessThan(60 * MIN);
    expect(total(a.allOpens)).toBe(2);
  });

  it(`holds a campaign of more than ${FINE_BARS_MAX_SENT.toLocaleString("en")} sent messages at hour bars`, async () => {
    const now = new Date();
    const campaign = await campaignWithActivity(new Date(now.getTime() - 30 * MIN), [{ minute: 1, type: "Open" }]);
    const big = { ...campaign, sentCount: FINE_BARS_MAX_SENT + 1 };
    const a = await getCampaignActivity(t.db, { campaign: big, live: true, now });
    expect(a.bucket.label).toBe("1 hour");
    expect(a.coarsened).toBe(true);
    expect(total(a.allOpens)).toBe(1);
  });

  it("has no bars before the first open or click", async () => {
    const campaign = await campaignWithActivity(new Date(), []);
    const a = await getCampaignActivity(t.db, { campaign, live: true, now: new Date() });
    expect(a.buckets).toEqual([]);
  });

  it("does not count a campaign's Delivery events, nor another campaign's opens", async () => {
    const now = new Date();
    const campaign = await campaignWithActivity(new Date(now.getTime() - 10 * MIN), [{ minute: 1, type: "Open" }]);
    await campaignWithActivity(new Date(now.getTime() - 10 * MIN), [{ minute: 1, type: "Open" }, { minute: 2, type: "Open" }]);
    const [m] = await t.db.select().from(messages).where(eq(messages.campaignId, campaign.id)).limit(1);
    await ingestPostmarkEvents(t.db, [{ event: postmarkEventSchema.parse({ RecordType: "Delivery", MessageID: m.postmarkMessageId, MessageStream: "broadcast", Metadata: {}, Tag: "t", Recipient: m.toEmail, DeliveredAt: new Date(now.getTime() - 5 * MIN).toISOString() }) }]);
    const a = await getCampaignActivity(t.db, { campaign, live: true, now });
    expect([total(a.allOpens), total(a.allClicks)]).toEqual([1, 0]);
  });

  it("draws what people did (issue 15): machine opens and clicks count only in the 'all' series, in minute bars and in hour bars", async () => {
    const now = new Date();
    const campaign = await campaignWithActivity(new Date(now.getTime() - 20 * MIN), [
      { minute: 0, type: "Open" },
      { minute: 1, type: "Open" },
      { minute: 2, type: "Open" },
      { minute: 3, type: "Click" },
    ]);
    // Classes set by hand (the test's events carry no user agent, which ingestion calls `unknown`):
    // Apple's prefetch, a Gmail proxy fetch (a person), no class (stored before classification: a
    // person), and a scanner's click.
    const events = await t.db.execute<{ id: number }>(sql`
      select e.id from message_events e join messages m on m.id = e.message_id where m.campaign_id = ${campaign.id}::uuid order by e.occurred_at`);
    const [mpp, proxy, legacy, scanner] = events.rows.map((r) => Number(r.id));
    for (const [id, cls] of [[mpp, "apple_mpp"], [proxy, "image_proxy"], [legacy, null], [scanner, "link_scanner"]] as const) {
      await t.db.execute(sql`update message_events set engagement_class = ${cls}, engagement_reasons = null where id = ${id}`);
    }
    const fine = await getCampaignActivity(t.db, { campaign, live: true, now });
    expect(fine.bucket.ms).toBeLessThan(60 * MIN);
    expect([total(fine.opens), total(fine.allOpens), total(fine.clicks), total(fine.allClicks)]).toEqual([2, 3, 0, 1]);

    const old = await campaignWithActivity(new Date(now.getTime() - 50 * 60 * MIN), []);
    const hour = new Date(Math.floor((now.getTime() - 40 * 60 * MIN) / (60 * MIN)) * 60 * MIN);
    await t.db.insert(campaignHourlyActivity).values({ campaignId: old.id, hour, opens: 5, humanOpens: 2, clicks: 3, humanClicks: 1 });
    const hourly = await getCampaignActivity(t.db, { campaign: old, live: true, now });
    expect(hourly.bucket.label).toBe("1 hour");
    expect([total(hourly.opens), total(hourly.allOpens), total(hourly.clicks), total(hourly.allClicks)]).toEqual([2, 5, 1, 3]);
  });
});

describe("whether a campaign's page stays live (real PostgreSQL)", () => {
  it("reads the latest event of a campaign, and none for a campaign without events", async () => {
    const now = new Date();
    const campaign = await campaignWithActivity(new Date(now.getTime() - 10 * MIN), [{ minute: 2, type: "Open" }, { minute: 4, type: "Open" }]);
    const last = await getCampaignLastEventAt(t.db, campaign.id);
    expect(last!.getTime()).toBeGreaterThanOrEqual(now.getTime() - 6 * MIN - 5000);
    expect(last!.getTime()).toBeLessThanOrEqual(now.getTime() - 6 * MIN + 5000);
    const quiet = await campaignWithActivity(new Date(), []);
    expect(await getCampaignLastEventAt(t.db, quiet.id)).toBeNull();
    // A sent campaign with an event six minutes ago refreshes, slowly.
    expect(campaignPollInterval(campaign, last, now)).toBe(SLOW_POLL_MS);
  });

  it("refreshes fast while sending or just after an event, slowly while paused or recently finished, and stops when final", () => {
    const now = new Date("2026-03-10T12:00:00Z");
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const base = { scheduledAt: null, pausedAt: null, completedAt: null, cancelledAt: null };
    const H = 60 * MIN;
    expect(campaignPollInterval({ ...base, status: "draft" }, null, now)).toBeNull();
    expect(campaignPollInterval({ ...base, status: "scheduled", scheduledAt: new Date(now.getTime() + 60 * MIN) }, null, now)).toBeNull();
    expect(campaignPollInterval({ ...base, status: "scheduled", scheduledAt: new Date(now.getTime() + MIN) }, null, now)).toBe(FAST_POLL_MS);
    expect(campaignPollInterval({ ...base, status: "sending" }, null, now)).toBe(FAST_POLL_MS);
    expect(campaignPollInterval({ ...base, status: "paused", pausedAt: ago(30_000) }, null, now)).toBe(FAST_POLL_MS);
    expect(campaignPollInterval({ ...base, status: "paused", pausedAt: ago(5 * H) }, ago(5 * H), now)).toBe(SLOW_POLL_MS);
    expect(campaignPollInterval({ ...base, status: "cancelled", cancelledAt: ago(30_000) }, null, now)).toBe(FAST_POLL_MS);
    expect(campaignPollInterval({ ...base, status: "sent", completedAt: ago(10_000) }, ago(30_000), now)).toBe(FAST_POLL_MS);
    expect(campaignPollInterval({ ...base, status: "sent", completedAt: ago(10 * H) }, ago(5 * H), now)).toBe(SLOW_POLL_MS);
    expect(campaignPollInterval({ ...base, status: "cancelled", cancelledAt: ago(71 * H) }, null, now)).toBe(SLOW_POLL_MS);
    expect(campaignPollInterval({ ...base, status: "sent", completedAt: ago(73 * H) }, ago(72 * H), now)).toBeNull();
    // An old campaign that just got a late open: live again while events arrive.
    expect(campaignPollInterval({ ...base, status: "sent", completedAt: ago(30 * 24 * H) }, ago(5 * MIN), now)).toBe(SLOW_POLL_MS);
  });
});
