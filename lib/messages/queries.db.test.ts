import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageEventRaw, messageEvents, messages } from "@/db/schema";
import { createCampaign } from "@/lib/campaigns/campaigns";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { addressContains } from "./address-search";
import { csvField } from "./csv";
import { listCampaignRecipients, listEventsSince, searchMessages, type RecipientPageInput, type RecipientSort } from "./queries";

let t: TestDatabase;
let campaignId: string;
const N = 230;

beforeAll(async () => {
  t = await createTestDatabase();
  const c = await createCampaign(t.db, { name: "views", subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" });
  campaignId = c.id;
  const base = new Date("2026-03-01T00:00:00Z").getTime();
  const statuses = ["sent", "delivered", "opened", "clicked", "bounced"] as const;
  await t.db.insert(messages).values(
    Array.from({ length: N }, (_, i) => {
      const status = statuses[i % statuses.length];
      const at = (k: number) => new Date(base + i * 60_000 + k * 1000);
      return {
        kind: "campaign" as const,
        campaignId,
        toEmail: `p${String(i).padStart(3, "0")}@views.test`,
        fromEmail: "f@postline.test",
        subject: "s",
        messageStream: "broadcast",
        status,
        postmarkMessageId: `views-${i}`,
        sentAt: at(0),
        deliveredAt: status === "sent" || status === "bounced" ? null : at(1),
        firstOpenedAt: status === "opened" || status === "clicked" ? at(2) : null,
        firstClickedAt: status === "clicked" ? at(3) : null,
        // People opened and clicked these (the filters count people: lib/messages/human-status.ts).
        firstHumanOpenedAt: status === "opened" || status === "clicked" ? at(2) : null,
        firstHumanClickedAt: status === "clicked" ? at(3) : null,
        // Every third message has no event at all yet.
        lastEventAt: i % 3 === 0 ? null : at(4),
      };
    }),
  );
});
afterAll(() => t.drop());

async function allPages(sort: RecipientSort, limit: number, filter?: RecipientPageInput) {
  const seen: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const page = await listCampaignRecipients(t.db, { campaignId, ...filter, sort, after, limit });
    seen.push(...page.rows.map((r) => r.toEmail));
    if (!page.next) break;
    after = page.next;
  }
  return seen;
}

describe("per-recipient keyset pages (real PostgreSQL)", () => {
  it.each(["email", "-email", "-activity"] as RecipientSort[])("sort %s: every recipient exactly once across pages, in order", async (sort) => {
    const seen = await allPages(sort, 17);
    expect(seen).toHaveLength(N);
    expect(new Set(seen).size).toBe(N);
    if (sort === "email") expect(seen).toEqual([...seen].sort());
    if (sort === "-email") expect(seen).toEqual([...seen].sort().reverse());
  });

  it("latest activity first puts recipients without events last", async () => {
    const page = await listCampaignRecipients(t.db, { campaignId, sort: "-activity", limit: 500 });
    const firstNull = page.rows.findIndex((r) => r.lastEventAt === null);
    expect(page.rows.slice(firstNull).every((r) => r.lastEventAt === null)).toBe(true);
    expect(page.rows.slice(0, firstNull).every((r, i, a) => i === 0 || a[i - 1].lastEventAt! >= r.lastEventAt!)).toBe(true);
  });

  it("filters by reached level, 'unopened', status and address", async () => {
    const count = async (filter: RecipientPageInput) => (await allPages("email", 50, filter)).length;
    expect(await count({ filter: "delivered" })).toBe(N - 46 - 46); // sent-only and bounced never delivered
    expect(await count({ filter: "unopened" })).toBe(46);
    expect(await count({ filter: "opened" })).toBe(92); // opened + clicked
    expect(await count({ filter: "clicked" })).toBe(46);
    expect(await count({ filter: "bounced" })).toBe(46);
    expect(await allPages("email", 50, { search: "p12" })).toEqual(["p120@views.test", "p121@views.test", "p122@views.test", "p123@views.test", "p124@views.test", "p125@views.test", "p126@views.test", "p127@views.test", "p128@views.test", "p129@views.test"]);
    expect(await count({ search: "%" })).toBe(0);
    // Case does not matter either way (the search compares lower-cased addresses, which its trigram index holds).
    expect(await count({ search: "P12" })).toBe(10);
    expect(await count({ search: "@Views.TEST" })).toBe(N);
    // One or two characters (no trigram) find the same as a longer term would; wildcards stay literal.
    expect(await allPages("email", 50, { search: "P12" })).toEqual(await allPages("email", 50, { search: "p12" }));
    expect(await count({ search: "9@" })).toBe(23);
    expect(await count({ search: "_" })).toBe(0);
  });

  it("a search pages through its matches in either address order with whole rows, alone or with a filter", async () => {
    // The search alone finds a page's ids in the address index, then its rows: every column must come back.
    const matches = Array.from({ length: 23 }, (_, k) => `p${String(k * 10 + 9).padStart(3, "0")}@views.test`);
    expect(await allPages("email", 4, { search: "9@" })).toEqual(matches);
    expect(await allPages("-email", 4, { search: "9@" })).toEqual([...matches].reverse());
    const page = await listCampaignRecipients(t.db, { campaignId, search: "P12", sort: "email", limit: 3 });
    expect(page.rows.map((r) => [r.toEmail, r.status, r.postmarkMessageId])).toEqual([
      ["p120@views.test", "sent", "views-120"],
      ["p121@views.test", "delivered", "views-121"],
      ["p122@views.test", "opened", "views-122"],
    ]);
    expect(page.rows[2].firstHumanOpenedAt).toBeInstanceOf(Date);
    // A status filter with the search: the same matches, only those with the status.
    expect(await allPages("email", 2, { search: "9@", filter: "bounced" })).toEqual(matches.filter((_, k) => (k * 10 + 9) % 5 === 4));
  });

  it("refuses a forged cursor by starting over rather than failing", async () => {
    const page = await listCampaignRecipients(t.db, { campaignId, after: "not-a-cursor", limit: 5 });
    expect(page.rows[0].toEmail).toBe("p000@views.test");
  });
});

describe("message search and the event log", () => {
  it("finds by MessageID exactly and by address fragment", async () => {
    expect((await searchMessages(t.db, { postmarkMessageId: "views-7" })).rows.map((r) => r.toEmail)).toEqual(["p007@views.test"]);
    expect((await searchMessages(t.db, { search: "P19", limit: 500 })).rows).toHaveLength(10);
  });

  it("pages every message exactly once, newest first, when a whole campaign shares one created_at", async () => {
    // The audience freeze inserts every message in one statement, so all share created_at to the
    // microsecond; a cursor that keeps only milliseconds skipped the rest of the campaign.
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page: Awaited<ReturnType<typeof searchMessages>> = await searchMessages(t.db, { campaignId, after, limit: 17 });
      seen.push(...page.rows.map((r) => r.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toHaveLength(N);
    expect(new Set(seen).size).toBe(N);
  });

  it("pages the event log by id and holds back the newest two seconds", async () => {
    const old = new Date(Date.now() - 60_000);
    const logged = await t.db.insert(messageEvents).values(Array.from({ length: 25 }, (_, i) => ({ eventKey: `log-${i}`, recordType: "Delivery", occurredAt: old, receivedAt: old }))).returning();
    // The raw JSON of all but the last (as if the retention had dropped it).
    await t.db.insert(messageEventRaw).values(logged.slice(0, 24).map((e, i) => ({ eventId: e.id, receivedAt: e.receivedAt, raw: { i } })));
    await t.db.insert(messageEvents).values({ eventKey: "log-fresh", recordType: "Delivery", occurredAt: new Date() });
    const first = await listEventsSince(t.db, { since: new Date(old.getTime() - 1000), limit: 10 });
    expect(first.rows).toHaveLength(10);
    const rest = await listEventsSince(t.db, { afterId: first.nextAfterId!, limit: 100 });
    expect(rest.rows).toHaveLength(15);
    expect(rest.rows.some((r) => r.eventKey === "log-fresh")).toBe(false);
    expect(rest.nextAfterId).toBeNull();
    expect([...first.rows, ...rest.rows].map((r) => r.raw)).toEqual([...Array.from({ length: 24 }, (_, i) => ({ i })), null]);
  });

  it("on a replica, holds back two seconds from its horizon (what it has replayed), not from now", async () => {
    const at = new Date(Date.now() - 30_000);
    await t.db.insert(messageEvents).values({ eventKey: "horizon-1", recordType: "Delivery", occurredAt: at, receivedAt: at });
    const since = new Date(at.getTime() - 1);
    const keys = async (horizon: Date | null) => (await listEventsSince(t.db, { since, horizon })).rows.map((r) => r.eventKey);
    // A replica that has replayed up to 1 s after the event: a commit between then and now may still be missing.
    expect(await keys(new Date(at.getTime() + 1000))).not.toContain("horizon-1");
    expect(await keys(new Date(at.getTime() + 2500))).toContain("horizon-1");
    expect(await keys(null)).toContain("horizon-1");
  });
});

describe("csvField", () => {
  it("quotes and neutralises spreadsheet formulas", () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField(null)).toBe("");
  });
});

void sql;

describe("a two-character address search (no trigram of its own)", () => {
  // Where the two characters fall: before a letter, a digit, punctuation or the end; in the domain; in an
  // address with characters beyond ASCII (the part the trigram index cannot answer for two letters).
  const addresses = ["zz@a.test", "azzb@a.test", "a.zz9@a.test", "xz_z@a.test", "a+zz@b.test", "b@host.zz", "c@zzz.test", "zoëzz@a.test", "zzé@a.test", "ézz@a.test", "ZZTop@a.test", "none@a.test", "z@z.test"];
  let twoId: string;

  beforeAll(async () => {
    const c = await createCampaign(t.db, { name: "two letters", subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" });
    twoId = c.id;
    await t.db.insert(messages).values(addresses.map((toEmail) => ({ kind: "campaign" as const, campaignId: twoId, toEmail, fromEmail: "f@postline.test", subject: "s", messageStream: "broadcast", status: "sent" as const })));
  });

  it.each(["zz", "ZZ", "z@", ".z", "z9", "ës", "é", "zo", "oë"])("'%s' finds exactly the addresses that contain it, in the campaign and on the messages page", async (term) => {
    const expected = addresses.filter((a) => a.toLowerCase().includes(term.toLowerCase())).sort();
    const page = await listCampaignRecipients(t.db, { campaignId: twoId, search: term, limit: 500 });
    expect(page.rows.map((r) => r.toEmail).sort()).toEqual(expected);
    const global = await searchMessages(t.db, { search: term, campaignId: twoId, limit: 500 });
    expect(global.rows.map((r) => r.toEmail).sort()).toEqual(expected);
  });

  it("two letters are answered by indexes: the trigram index and the list of addresses beyond ASCII", async () => {
    // Bitmap scans only (as the planner chooses for a rare term among many messages), over the search
    // alone (inside a campaign the campaign's own index could stand in): a condition no index can
    // answer would leave a sequential scan, however costly it is made.
    const query = t.db.select({ id: messages.id }).from(messages).where(addressContains("zz")).toSQL();
    const client = await t.db.$client.connect();
    try {
      await client.query("begin");
      await client.query("set local enable_seqscan = off; set local enable_indexscan = off; set local enable_indexonlyscan = off");
      const res = await client.query<{ "QUERY PLAN": string }>(`explain (costs off) ${query.sql}`, query.params as unknown[]);
      const text = res.rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(text).toContain("BitmapOr");
      expect(text).toContain("messages_to_email_trgm_idx");
      expect(text).toContain("messages_campaign_non_ascii_address_idx");
      expect(text).not.toContain("Seq Scan");
    } finally {
      await client.query("rollback");
      client.release();
    }
  });
});
