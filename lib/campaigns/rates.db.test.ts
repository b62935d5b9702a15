import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignEventCounters, campaigns, contacts } from "@/db/schema";
import { getContactsGrowth } from "@/lib/contacts/growth";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { complaintTone, getCampaignWithRates, getSendingHealth, hasAnyCampaign, listCampaignsWithRates, listRecentCampaignRates, type CampaignSort } from "./rates";
import { getCampaignTotals, getOutcomeCounts } from "./stats";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const now = new Date("2026-03-10T12:00:00Z");
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);

interface Known {
  name: string;
  status?: "draft" | "sending" | "sent";
  sent?: number;
  startedAt?: Date | null;
  createdAt: Date;
  counts?: { delivered: number; opened: number; clicked: number; bounced: number; spamComplaints: number };
}

/** A campaign with known totals, its counters spread over two shards (as ingestion spreads them). */
async function campaign(k: Known) {
  const [row] = await t.db
    .insert(campaigns)
    .values({ name: k.name, fromEmail: "news@rates.test", subject: "Hi", html: "<p>Hi</p>", status: k.status ?? "sent", sentCount: k.sent ?? 0, recipientCount: k.sent ?? 0, startedAt: k.startedAt ?? null, createdAt: k.createdAt })
    .returning();
  if (k.counts) {
    const c = k.counts;
    const half = (n: number) => Math.floor(n / 2);
    await t.db.insert(campaignEventCounters).values([
      // People opened and clicked as many as opened and clicked at all: Apple's proxy added nothing here
      // (the machine-only case has its own test below).
      { campaignId: row.id, shard: 0, delivered: half(c.delivered), opened: half(c.opened), clicked: half(c.clicked), openedHuman: half(c.opened), clickedHuman: half(c.clicked), bounced: half(c.bounced), spamComplaints: half(c.spamComplaints) },
      { campaignId: row.id, shard: 7, delivered: c.delivered - half(c.delivered), opened: c.opened - half(c.opened), clicked: c.clicked - half(c.clicked), openedHuman: c.opened - half(c.opened), clickedHuman: c.clicked - half(c.clicked), bounced: c.bounced - half(c.bounced), spamComplaints: c.spamComplaints - half(c.spamComplaints) },
    ]);
  }
  return row;
}

beforeAll(async () => {
  expect(await hasAnyCampaign(t.db)).toBe(false);
  await campaign({ name: "Alpha", sent: 1000, startedAt: daysAgo(3), createdAt: daysAgo(4), counts: { delivered: 950, opened: 380, clicked: 95, bounced: 50, spamComplaints: 1 } });
  await campaign({ name: "bravo", sent: 200, startedAt: daysAgo(1), createdAt: daysAgo(2), counts: { delivered: 200, opened: 20, clicked: 0, bounced: 0, spamComplaints: 1 } });
  await campaign({ name: "Charlie draft", status: "draft", createdAt: daysAgo(0.5) });
  // Handed to Postmark, nothing delivered yet: delivered 0 of 10, and no open or complaint rate.
  await campaign({ name: "Delta", status: "sending", sent: 10, startedAt: daysAgo(0.1), createdAt: daysAgo(0.2) });
  // Older than the 30-day window: in the list, not in the sending health.
  // 100 of 101 delivered (99.0%): no tie with bravo's 100%, since a tie falls back to the random id.
  await campaign({ name: "Echo", sent: 101, startedAt: daysAgo(40), createdAt: daysAgo(41), counts: { delivered: 100, opened: 50, clicked: 10, bounced: 0, spamComplaints: 5 } });
  expect(await hasAnyCampaign(t.db)).toBe(true);
});

const names = async (sort: CampaignSort) => (await listCampaignsWithRates(t.db, { sort })).rows.map((r) => r.name);

describe("campaign rates from the outcome counters", () => {
  it("computes delivered, open, click, bounce and complaint rates; a zero denominator is null, never 0% or NaN", async () => {
    const { rows } = await listCampaignsWithRates(t.db);
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(by.Alpha).toMatchObject({ sentCount: 1000, delivered: 950, opened: 380, clicked: 95, bounced: 50, spamComplaints: 1 });
    expect(by.Alpha.rates.delivered).toBeCloseTo(0.95, 12);
    expect(by.Alpha.rates.open).toBeCloseTo(0.4, 12);
    expect(by.Alpha.rates.click).toBeCloseTo(0.1, 12);
    expect(by.Alpha.rates.bounce).toBeCloseTo(0.05, 12);
    expect(by.Alpha.rates.complaint).toBeCloseTo(1 / 950, 12);
    expect(by.bravo.rates).toEqual({ delivered: 1, open: 0.1, click: 0, bounce: 0, complaint: 0.005 });
    expect(by["Charlie draft"].rates).toEqual({ delivered: null, open: null, click: null, bounce: null, complaint: null });
    expect(by.Delta.rates).toEqual({ delivered: 0, open: null, click: null, bounce: 0, complaint: null });
    expect(by.Alpha.startedAt).toEqual(daysAgo(3));
    expect(by.Alpha.createdAt).toEqual(daysAgo(4));
  });

  it("sorts the whole set by any rate, both ways, with campaigns that have no rate last either way", async () => {
    const desc = await names("-open");
    expect(desc.slice(0, 3)).toEqual(["Echo", "Alpha", "bravo"]);
    expect(desc.slice(3).sort()).toEqual(["Charlie draft", "Delta"]);
    const asc = await names("open");
    expect(asc.slice(0, 3)).toEqual(["bravo", "Alpha", "Echo"]);
    expect(asc.slice(3).sort()).toEqual(["Charlie draft", "Delta"]);
    expect((await names("-complaint")).slice(0, 3)).toEqual(["Echo", "bravo", "Alpha"]);
    expect((await names("-delivered")).slice(0, 3)).toEqual(["bravo", "Echo", "Alpha"]);
    expect((await names("-delivered")).at(-1)).toBe("Charlie draft");
    expect(await names("name")).toEqual(["Alpha", "bravo", "Charlie draft", "Delta", "Echo"]);
    expect(await names("-created")).toEqual(["Delta", "Charlie draft", "bravo", "Alpha", "Echo"]);
  });

  it("pages by keyset in every order: one at a time gives the same order as all at once, past the campaigns without a rate", async () => {
    for (const sort of ["-open", "open", "-bounce", "name", "-name", "created", "-created"] as const) {
      const all = await names(sort);
      const paged: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 10; i++) {
        const page: Awaited<ReturnType<typeof listCampaignsWithRates>> = await listCampaignsWithRates(t.db, { sort, after, limit: 2 });
        paged.push(...page.rows.map((r) => r.name));
        after = page.next;
        if (!after) break;
      }
      expect(paged, sort).toEqual(all);
    }
  });

  it("starts from the top for a cursor that does not decode, and an unknown sort is the default", async () => {
    expect((await listCampaignsWithRates(t.db, { after: "not-a-cursor" })).rows).toHaveLength(5);
    expect((await listCampaignsWithRates(t.db, { sort: "bogus" as CampaignSort })).rows.map((r) => r.name)).toEqual(await names("-created"));
  });

  it("lists the campaigns that started most recently, newest first, drafts left out", async () => {
    expect((await listRecentCampaignRates(t.db, { limit: 3 })).map((c) => c.name)).toEqual(["Delta", "bravo", "Alpha"]);
  });
});

describe("sending health over the last 30 days", () => {
  it("counts complaints over delivered and bounces over sent for the campaigns started in the window", async () => {
    const health = await getSendingHealth(t.db, { now });
    expect(health.campaigns.map((c) => c.name)).toEqual(["Alpha", "bravo", "Delta"]);
    expect(health).toMatchObject({ sent: 1210, delivered: 1150, bounced: 50, spamComplaints: 2 });
    expect(health.complaintRate).toBeCloseTo(2 / 1150, 12);
    expect(health.bounceRate).toBeCloseTo(50 / 1210, 12);
    // 0.17%: over Gmail's 0.1% target, under its 0.3% limit.
    expect(complaintTone(health.complaintRate!)).toBe("warning");
    expect([complaintTone(0), complaintTone(0.000999), complaintTone(0.001), complaintTone(0.003)]).toEqual(["good", "good", "warning", "bad"]);
  });

  it("has no rates, not 0%, when nothing was sent in the window", async () => {
    const health = await getSendingHealth(t.db, { now: daysAgo(100) });
    expect(health).toMatchObject({ campaigns: [], sent: 0, delivered: 0, bounceRate: null, complaintRate: null });
  });
});

describe("contacts growth", () => {
  it("counts contacts added per day on the viewer's calendar, 30 days ending today, and the total", async () => {
    const at = (iso: string, email: string) => ({ email, createdAt: new Date(iso) });
    await t.db.insert(contacts).values([
      // 03:00 UTC on 10 March is 22:00 on 9 March in New York.
      at("2026-03-10T03:00:00Z", "a@growth.test"),
      at("2026-03-10T06:00:00Z", "b@growth.test"),
      at("2026-03-10T11:00:00Z", "c@growth.test"),
      at("2026-02-09T12:00:00Z", "d@growth.test"), // 07:00 on 9 Feb in New York: the window's first day
      at("2026-02-08T12:00:00Z", "e@growth.test"), // before it
      at("2026-03-10T13:00:00Z", "f@growth.test"), // after now
    ]);
    const ny = await getContactsGrowth(t.db, { now, timeZone: "America/New_York" });
    expect(ny.days).toHaveLength(30);
    expect(ny.days[0]).toEqual({ day: "2026-02-09", added: 1 });
    expect(ny.days.at(-2)).toEqual({ day: "2026-03-09", added: 1 });
    expect(ny.days.at(-1)).toEqual({ day: "2026-03-10", added: 2 });
    expect(ny).toMatchObject({ added: 4, total: 6 });
    const utc = await getContactsGrowth(t.db, { now, timeZone: "UTC" });
    expect(utc.days.at(-1)).toEqual({ day: "2026-03-10", added: 3 });
    expect(utc.added).toBe(4);
  });
});

describe("human opens and clicks (issue 15)", () => {
  it("rates count people: Apple's prefetch and scanners' clicks are in the totals, not in the open and click rates; the campaign page and the lists read the same numbers", async () => {
    const [row] = await t.db
      .insert(campaigns)
      .values({ name: "Golf machines", fromEmail: "news@rates.test", subject: "Hi", html: "<p>Hi</p>", status: "sent", sentCount: 100, recipientCount: 100, startedAt: daysAgo(200), createdAt: daysAgo(200) })
      .returning();
    const split = { delivered: 100, opened: 80, clicked: 20, openedHuman: 30, clickedHuman: 5, openedMachineOnly: 50, openedAppleMpp: 55, openedImageProxy: 10, openedLinkScanner: 3, openedUnknown: 2, clickedLinkScanner: 15, clickedUnknown: 1 };
    const other = Object.fromEntries(Object.entries(split).map(([k, v]) => [k, v - Math.floor(v / 3)]));
    await t.db.insert(campaignEventCounters).values([
      { campaignId: row.id, shard: 2, ...Object.fromEntries(Object.entries(split).map(([k, v]) => [k, Math.floor(v / 3)])) },
      { campaignId: row.id, shard: 11, ...other },
    ]);
    const one = await getCampaignWithRates(t.db, row.id);
    expect(one).toMatchObject({ name: "Golf machines", delivered: 100, opened: 30, clicked: 5 });
    expect(one!.rates).toEqual({ delivered: 1, open: 0.3, click: 0.05, bounce: 0, complaint: 0 });
    expect(one!.totals).toEqual({
      delivered: 100,
      opened: 80,
      clicked: 20,
      bounced: 0,
      spamComplaints: 0,
      unsubscribed: 0,
      openedHuman: 30,
      clickedHuman: 5,
      openedMachineOnly: 50,
      machine: { opened: { apple_mpp: 55, image_proxy: 10, link_scanner: 3, unknown: 2 }, clicked: { link_scanner: 15, unknown: 1 } },
    });
    const listed = (await listCampaignsWithRates(t.db, { limit: 200 })).rows.find((c) => c.id === row.id)!;
    expect(listed.rates).toEqual(one!.rates);
    expect(listed.totals).toEqual(one!.totals);
    // The API's totals are the same sums; the outcome counts keep "any" opens and clicks.
    expect((await getCampaignTotals(t.db, [row.id])).get(row.id)).toEqual(one!.totals);
    expect((await getOutcomeCounts(t.db, [row.id])).get(row.id)).toMatchObject({ opened: 80, clicked: 20 });
    expect(await getCampaignWithRates(t.db, "00000000-0000-4000-8000-000000000000")).toBeNull();
    expect((await getCampaignTotals(t.db, ["00000000-0000-4000-8000-000000000000"])).get("00000000-0000-4000-8000-000000000000")!.openedHuman).toBe(0);
  });
});
