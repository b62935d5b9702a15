import fs from "node:fs";
import path from "node:path";
import { eq, inArray, sql } from "drizzle-orm";
import type { PoolClient } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@/db";
import { contacts, messageEvents, messages } from "@/db/schema";
import { createCampaign } from "@/lib/campaigns/campaigns";
import { getCampaignOutcomes } from "@/lib/campaigns/stats";
import { createContact } from "@/lib/contacts/contacts";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { sharedDir } from "@/lib/local/postmark-sandbox/test-support";
import { createIngestBatcher } from "./batcher";
import { ingestPostmarkEvent, ingestPostmarkEvents, linkOrphanEvents, lockPostmarkIdsForWrite } from "./ingest";
import { postmarkEventSchema, type PostmarkEvent } from "./postmark-payload";

const SHARED = path.join(sharedDir(), "postmark/webhooks");
const fixture = (name: string) => fs.readFileSync(path.join(SHARED, name), "utf8");

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

let n = 0;
async function sentMessage(email = `r${++n}@ingest.test`) {
  const contact = await createContact(t.db, { email });
  const campaign = await createCampaign(t.db, { name: `c${n}`, subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" });
  const pm = `pm-${n}-${Math.random().toString(36).slice(2)}`;
  const [m] = await t.db
    .insert(messages)
    .values({ kind: "campaign", campaignId: campaign.id, contactId: contact.id, toEmail: email, fromEmail: "f@postline.test", subject: "s", messageStream: "broadcast", status: "sent", postmarkMessageId: pm, sentAt: new Date() })
    .returning();
  return { message: m, campaign, contact, pm, email };
}

function event<T extends PostmarkEvent["RecordType"]>(type: T, pm: string, email: string, at: string, extra: Record<string, unknown> = {}): PostmarkEvent {
  const base: Record<string, unknown> = { RecordType: type, MessageID: pm, MessageStream: "broadcast", Metadata: {}, Tag: "t" };
  if (type === "Delivery") Object.assign(base, { Recipient: email, DeliveredAt: at });
  if (type === "Open") Object.assign(base, { Recipient: email, ReceivedAt: at, FirstOpen: true });
  if (type === "Click") Object.assign(base, { Recipient: email, ReceivedAt: at, OriginalLink: "https://e.test/a" });
  if (type === "Bounce") Object.assign(base, { Email: email, BouncedAt: at, Type: "HardBounce", TypeCode: 1, ID: Math.floor(Math.random() * 1e9), Inactive: true });
  if (type === "SpamComplaint") Object.assign(base, { Email: email, BouncedAt: at, Type: "SpamComplaint", TypeCode: 100001, ID: Math.floor(Math.random() * 1e9) });
  if (type === "SubscriptionChange") Object.assign(base, { Recipient: email, ChangedAt: at, SuppressSending: true, SuppressionReason: "ManualSuppression", Origin: "Recipient" });
  return postmarkEventSchema.parse({ ...base, ...extra });
}

describe("every documented Postmark payload (real PostgreSQL)", () => {
  for (const file of fs.readdirSync(SHARED).filter((f) => f.endsWith(".json"))) {
    it(`${file}: parsed, stored raw exactly, and linked to its message`, async () => {
      const rawText = fixture(file);
      const payload = postmarkEventSchema.parse(JSON.parse(rawText));
      // The documented examples reuse IDs (two bounces with ID 42): start each from an empty log.
      await t.db.delete(messageEvents);
      // Point the documented MessageID at a message of ours.
      const pm = (payload as { MessageID?: string | null }).MessageID;
      if (pm) {
        await t.db.delete(messageEvents).where(eq(messageEvents.postmarkMessageId, pm));
        await t.db.update(messages).set({ postmarkMessageId: null }).where(eq(messages.postmarkMessageId, pm));
        const { message } = await sentMessage();
        await t.db.update(messages).set({ postmarkMessageId: pm }).where(eq(messages.id, message.id));
      }
      const result = await ingestPostmarkEvent(t.db, payload, { rawText });
      expect(result.outcome).toBe(pm ? "stored" : "orphan");
      const [row] = await t.db.select().from(messageEvents).where(eq(messageEvents.id, result.eventId!));
      expect(row.recordType).toBe(payload.RecordType);
      expect(row.source).toBe("webhook");
      // jsonb keeps the int64 bounce ID exactly as sent (JSON.parse would round it).
      if (file === "bounce-hard.json") {
        const [{ id }] = (await t.db.execute<{ id: string }>(`select raw->>'ID' as id from message_event_raw where event_id = ${row.id}`)).rows;
        expect(id).toBe("4323372036854775807");
      }
      const [{ raw }] = (await t.db.execute<{ raw: unknown }>(`select raw from message_event_raw where event_id = ${row.id}`)).rows;
      expect(raw).toEqual(JSON.parse(rawText));
    });
  }
});

describe("ingestion semantics (real PostgreSQL)", () => {
  it("stores a retried post once and keeps a genuine second open", async () => {
    const { message, pm, email } = await sentMessage();
    const open1 = event("Open", pm, email, "2026-01-01T10:00:00.1234567Z");
    expect((await ingestPostmarkEvent(t.db, open1)).outcome).toBe("stored");
    expect((await ingestPostmarkEvent(t.db, open1)).outcome).toBe("duplicate");
    expect((await ingestPostmarkEvent(t.db, event("Open", pm, email, "2026-01-01T11:00:00Z"))).outcome).toBe("stored");
    const [m] = await t.db.select().from(messages).where(eq(messages.id, message.id));
    expect(m).toMatchObject({ status: "opened", openCount: 2 });
    expect(m.firstOpenedAt!.toISOString()).toBe("2026-01-01T10:00:00.123Z");
    expect(m.lastOpenedAt!.toISOString()).toBe("2026-01-01T11:00:00.000Z");
  });

  it("ends in the same state whatever order events arrive in, and counts the campaign once per message", async () => {
    const orders = [
      ["Delivery", "Open", "Click"],
      ["Click", "Open", "Delivery"],
      ["Open", "Click", "Delivery"],
    ] as const;
    const finals = [];
    for (const order of orders) {
      const { message, pm, email, campaign } = await sentMessage();
      const at = { Delivery: "2026-02-01T10:00:00Z", Open: "2026-02-01T10:05:00Z", Click: "2026-02-01T10:06:00Z" };
      for (const type of order) await ingestPostmarkEvent(t.db, event(type, pm, email, at[type]));
      const [m] = await t.db.select().from(messages).where(eq(messages.id, message.id));
      finals.push({ status: m.status, deliveredAt: m.deliveredAt?.toISOString(), firstOpenedAt: m.firstOpenedAt?.toISOString(), clickCount: m.clickCount });
      expect(await getCampaignOutcomes(t.db, campaign.id)).toEqual({ delivered: 1, opened: 1, clicked: 1, bounced: 0, spamComplaints: 0, unsubscribed: 0 });
    }
    expect(finals[1]).toEqual(finals[0]);
    expect(finals[2]).toEqual(finals[0]);
    expect(finals[0].status).toBe("clicked");
  });

  it("never moves back from a terminal outcome; a hard bounce suppresses the contact", async () => {
    const { message, pm, email, campaign } = await sentMessage();
    await ingestPostmarkEvent(t.db, event("Bounce", pm, email, "2026-03-01T10:00:00Z"));
    await ingestPostmarkEvent(t.db, event("Delivery", pm, email, "2026-03-01T09:59:00Z"));
    const [m] = await t.db.select().from(messages).where(eq(messages.id, message.id));
    expect(m.status).toBe("bounced");
    const [c] = await t.db.select().from(contacts).where(eq(contacts.email, email));
    expect(c).toMatchObject({ status: "bounced" });
    expect((await getCampaignOutcomes(t.db, campaign.id)).bounced).toBe(1);
  });

  it("spam complaints and SubscriptionChange suppress; SuppressSending false reactivates", async () => {
    const { pm, email } = await sentMessage();
    await ingestPostmarkEvent(t.db, event("SpamComplaint", pm, email, "2026-04-01T10:00:00Z"));
    expect((await t.db.select().from(contacts).where(eq(contacts.email, email)))[0].status).toBe("complained");
    await ingestPostmarkEvent(t.db, event("SubscriptionChange", null as never, email, "2026-04-02T10:00:00Z", { MessageID: null, SuppressSending: false, SuppressionReason: null }));
    expect((await t.db.select().from(contacts).where(eq(contacts.email, email)))[0].status).toBe("subscribed");
    await ingestPostmarkEvent(t.db, event("SubscriptionChange", pm, email, "2026-04-03T10:00:00Z"));
    expect((await t.db.select().from(contacts).where(eq(contacts.email, email)))[0]).toMatchObject({ status: "unsubscribed", statusReason: "Unsubscribed through Postmark" });
  });

  it("keeps events for an unknown MessageID and applies them when the message gets that id", async () => {
    const { message, email } = await sentMessage();
    const pm = `late-${message.id}`;
    expect((await ingestPostmarkEvent(t.db, event("Delivery", pm, email, "2026-05-01T10:00:00Z"))).outcome).toBe("orphan");
    expect((await ingestPostmarkEvent(t.db, event("Open", pm, email, "2026-05-01T10:01:00Z"))).outcome).toBe("orphan");
    await t.db.transaction(async (tx) => {
      await tx.update(messages).set({ postmarkMessageId: pm }).where(eq(messages.id, message.id));
      expect(await linkOrphanEvents(tx, [pm])).toBe(2);
    });
    const [m] = await t.db.select().from(messages).where(eq(messages.id, message.id));
    expect(m).toMatchObject({ status: "opened", openCount: 1 });
    const linked = await t.db.select().from(messageEvents).where(eq(messageEvents.postmarkMessageId, pm));
    expect(linked.every((e) => e.messageId === message.id)).toBe(true);
  });
});

describe("the plans ingestion keeps for a connection", () => {
  // Plans are generic and kept for the connection's life, so one made while this month's events were
  // few must still reach them by index once they are many: a new install and every new month start so.

  /** Ingests `e` on a connection of its own and returns the plan of every statement it ran (auto_explain). */
  async function plansOf(e: PostmarkEvent): Promise<string[]> {
    const one = createDb(t.url, { max: 1 });
    const plans: string[] = [];
    one.$client.on("connect", (client) => client.on("notice", (notice) => plans.push(notice.message ?? "")));
    try {
      await one.execute(sql`load 'auto_explain'`);
      await one.execute(sql`set auto_explain.log_min_duration = 0`);
      await one.execute(sql`set auto_explain.log_nested_statements = on`);
      await one.execute(sql`set auto_explain.log_level = notice`);
      expect((await ingestPostmarkEvent(one, e)).outcome).toBe("stored");
    } finally {
      await one.$client.end();
    }
    return plans;
  }

  it("looks for a message's earlier click on a link by index, never by reading the month's clicks", async () => {
    const { pm, email, campaign } = await sentMessage();
    await ingestPostmarkEvent(t.db, event("Click", pm, email, new Date(Date.now() - 1000).toISOString()));
    const plans = await plansOf(event("Click", pm, email, new Date().toISOString()));
    const plan = plans.find((p) => p.includes("INSERT INTO campaign_link_clicks")) ?? "";
    expect(plan).toMatch(/Index Scan using message_events_\w+ on message_events_/);
    expect(plan).not.toMatch(/Seq Scan on message_events/);
    const links = (await t.db.execute<{ clicks: number; unique_clicks: number }>(sql`select sum(clicks)::int as clicks, sum(unique_clicks)::int as unique_clicks from campaign_link_clicks where campaign_id = ${campaign.id}::uuid`)).rows;
    expect(links).toEqual([{ clicks: 2, unique_clicks: 1 }]);
  });

  it("checks the engagement it classified against what its row lock read, without reading messages again", async () => {
    // The check once joined the batch's states to messages: a plan made while messages was small
    // joined them to a sequential scan of the table, 10.6 ms a batch in bench:engagement.
    const { pm, email } = await sentMessage();
    await ingestPostmarkEvent(t.db, event("Delivery", pm, email, new Date(Date.now() - 60_000).toISOString()));
    const plans = await plansOf(event("Open", pm, email, new Date().toISOString()));
    const check = plans.find((p) => p.includes("IS DISTINCT FROM g.version")) ?? "";
    expect(check).toMatch(/Function Scan on jsonb_to_recordset g/);
    expect(check).not.toMatch(/on messages/);
    const lock = plans.find((p) => p.includes("jsonb_object_agg(l.postmark_message_id, l.updated_at)")) ?? "";
    expect(lock).toMatch(/LockRows/);
  });
});

describe("campaign totals written by two connections at once", () => {
  /**
   * Runs `statement` with `first` in a transaction left open on one connection, then with `second` on
   * another connection whose shard (pg_backend_pid() mod 16) differs, which must not wait for the first
   * (a lock timeout fails the test); then commits. Returns the two connections' shards.
   */
  async function writeBesideUncommitted(statement: string, first: unknown[], second: unknown[]): Promise<number[]> {
    const conns: PoolClient[] = [];
    const shardOf = new Map<PoolClient, number>();
    try {
      while (shardOf.size < 2) {
        const c = await t.db.$client.connect();
        conns.push(c);
        const pid = Number((await c.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0].pid);
        if (![...shardOf.values()].includes(pid % 16)) shardOf.set(c, pid % 16);
      }
      const [a, b] = [...shardOf.keys()];
      await a.query("begin");
      await a.query(statement, first);
      await b.query("set lock_timeout = '2s'");
      await b.query(statement, second);
      await a.query("commit");
      return [...shardOf.values()];
    } finally {
      for (const c of conns) c.release();
    }
  }

  /** Two sent messages of one campaign. */
  async function twoMessagesOfOneCampaign() {
    const first = await sentMessage();
    const second = await sentMessage();
    await t.db.update(messages).set({ campaignId: first.campaign.id }).where(eq(messages.id, second.message.id));
    return { campaignId: first.campaign.id, ids: [first.message.id, second.message.id] };
  }

  it("a link's clicks: a batch adds to its connection's row, so it never waits for another connection's batch clicking the same link", async () => {
    const { campaignId, ids } = await twoMessagesOfOneCampaign();
    const click = (messageId: string, eventId: number) => [JSON.stringify([{ ord: 0, event_id: eventId, message_id: messageId, kind: "clicked", link: "https://e.test/same", human: true }]), [messageId]];
    await writeBesideUncommitted("select postline_add_link_clicks($1::jsonb, $2::uuid[])", click(ids[0], -1), click(ids[1], -2));
    const rows = (await t.db.execute<{ clicks: number; unique_clicks: number }>(sql`select sum(clicks)::int as clicks, sum(unique_clicks)::int as unique_clicks, count(*)::int as n from campaign_link_clicks where campaign_id = ${campaignId}::uuid`)).rows;
    expect(rows).toEqual([{ clicks: 2, unique_clicks: 2, n: 2 }]);
  });

  it("an hour's activity: a batch adds to its connection's row, so it never waits for another connection's batch opened in the same hour", async () => {
    const { campaignId, ids } = await twoMessagesOfOneCampaign();
    const at = "2026-11-20T10:15:00.000Z";
    const opened = (messageId: string, eventId: number) => [
      JSON.stringify([{ ord: 0, event_id: eventId, message_id: messageId, kind: "opened", implied: "opened", occurred_at: at, link: null, details: {}, recipient: "r@x.test", contact_reason: null, engagement_class: "human", engagement_reasons: [], human: true }]),
    ];
    await writeBesideUncommitted("select postline_apply_events($1::jsonb, null)", opened(ids[0], -1), opened(ids[1], -2));
    const rows = (await t.db.execute<{ opens: number; human_opens: number; n: number }>(sql`select sum(opens)::int as opens, sum(human_opens)::int as human_opens, count(*)::int as n from campaign_hourly_activity where campaign_id = ${campaignId}::uuid`)).rows;
    expect(rows).toEqual([{ opens: 2, human_opens: 2, n: 2 }]);
  });

  it("a batch adds to its own connection's shard, so it never waits for another connection's batch of the same campaign", async () => {
    const { campaign } = await sentMessage();
    // Two messages whose ids fall in the same shard by id (how shards were chosen before).
    const delta = (messageId: string) => [JSON.stringify([{ campaign_id: campaign.id, message_id: messageId, delivered: 1, opened: 0, clicked: 0, bounced: 0, spam_complaints: 0, unsubscribed: 0 }])];
    const shards = await writeBesideUncommitted("select postline_add_outcome_counts($1::jsonb)", delta("0000000a-0000-4000-8000-000000000001"), delta("0000001a-0000-4000-8000-000000000002"));
    const rows = (await t.db.execute<{ shard: number; delivered: number }>(sql`select shard, delivered from campaign_event_counters where campaign_id = ${campaign.id}::uuid order by shard`)).rows;
    expect(rows).toEqual([...shards].sort((x, y) => x - y).map((shard) => ({ shard, delivered: 1 })));
    expect((await getCampaignOutcomes(t.db, campaign.id)).delivered).toBe(2);
  });
});

describe("a webhook racing the write of its MessageID", () => {
  it("waits for the writer's commit and finds its message, instead of being stranded as an orphan", async () => {
    const { message, email } = await sentMessage();
    const pm = `race-${message.id}`;
    let ingestion: Promise<{ outcome: string }> | null = null;
    let settledEarly = false;
    await t.db.transaction(async (tx) => {
      // What dispatch does with a batch's answer: lock the ids, write them, link what came before.
      await lockPostmarkIdsForWrite(tx, [pm]);
      await tx.update(messages).set({ postmarkMessageId: pm }).where(eq(messages.id, message.id));
      // Postmark is fast: the Delivery webhook arrives before this transaction commits.
      ingestion = ingestPostmarkEvent(t.db, event("Delivery", pm, email, "2026-09-01T10:00:00Z"));
      void ingestion.then(() => (settledEarly = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(await linkOrphanEvents(tx, [pm])).toBe(0);
    });
    expect(settledEarly).toBe(false); // it waited for the commit
    expect((await ingestion!).outcome).toBe("stored");
    const [m] = await t.db.select().from(messages).where(eq(messages.id, message.id));
    expect(m.status).toBe("delivered");
    const orphans = await t.db.select().from(messageEvents).where(eq(messageEvents.postmarkMessageId, pm));
    expect(orphans.map((e) => e.messageId)).toEqual([message.id]);
  });
});

describe("batched ingestion (group commit)", () => {
  /** Everything events change that a user can see: the messages, the campaign's totals, hourly activity and links. */
  async function campaignState(campaignId: string) {
    const rows = await t.db
      .select({ toEmail: messages.toEmail, status: messages.status, deliveredAt: messages.deliveredAt, firstOpenedAt: messages.firstOpenedAt, lastOpenedAt: messages.lastOpenedAt, openCount: messages.openCount, firstClickedAt: messages.firstClickedAt, clickCount: messages.clickCount, bouncedAt: messages.bouncedAt, lastEventAt: messages.lastEventAt })
      .from(messages)
      .where(eq(messages.campaignId, campaignId));
    const strip = (e: string) => e.replace(/^[ab]-/, "");
    const hourly = await t.db.execute(sql`select hour, sum(opens)::int as opens, sum(clicks)::int as clicks from campaign_hourly_activity where campaign_id = ${campaignId}::uuid group by hour order by hour`);
    const links = await t.db.execute(sql`select link, sum(clicks)::int as clicks, sum(unique_clicks)::int as unique_clicks from campaign_link_clicks where campaign_id = ${campaignId}::uuid group by link order by link`);
    return {
      messages: rows.map((r) => ({ ...r, toEmail: strip(r.toEmail) })).sort((x, y) => x.toEmail.localeCompare(y.toEmail)),
      totals: await getCampaignOutcomes(t.db, campaignId),
      hourly: hourly.rows,
      links: links.rows,
    };
  }

  async function twinCampaign(prefix: string, size: number) {
    const campaign = await createCampaign(t.db, { name: `batch ${prefix}`, subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" });
    const out = [];
    for (let i = 0; i < size; i++) {
      const email = `${prefix}-${i}@batch.test`;
      const contact = await createContact(t.db, { email });
      const pm = `${prefix}-pm-${i}-${campaign.id}`;
      await t.db.insert(messages).values({ kind: "campaign", campaignId: campaign.id, contactId: contact.id, toEmail: email, fromEmail: "f@postline.test", subject: "s", messageStream: "broadcast", status: "sent", postmarkMessageId: pm, sentAt: new Date() });
      out.push({ pm, email });
    }
    return { campaign, recipients: out };
  }

  function eventsFor(pm: string, email: string, i: number): PostmarkEvent[] {
    const at = (min: number) => new Date(Date.UTC(2026, 5, 1, 10 + (i % 3), min)).toISOString();
    if (i % 7 === 0) return [event("Bounce", pm, email, at(1), { ID: 7_000_000 + i + (pm.startsWith("a") ? 0 : 500_000) })];
    const out = [event("Delivery", pm, email, at(1)), event("Open", pm, email, at(5)), event("Click", pm, email, at(6), { OriginalLink: `https://e.test/${i % 3}` })];
    if (i % 2) out.push(event("Open", pm, email, at(30)), event("Click", pm, email, at(31), { OriginalLink: `https://e.test/${i % 3}` }));
    return out;
  }

  it("one transaction for many events ends exactly where one transaction per event does, shuffled and repeated", async () => {
    const one = await twinCampaign("a", 30);
    const many = await twinCampaign("b", 30);
    const single = one.recipients.flatMap((r, i) => eventsFor(r.pm, r.email, i));
    for (const e of single) expect((await ingestPostmarkEvent(t.db, e)).outcome).toBe("stored");

    const batched = many.recipients.flatMap((r, i) => eventsFor(r.pm, r.email, i));
    // Every event twice, shuffled: first all in one batch (a message's two clicks on one link share
    // it), then again in batches of 25: each stored once, the repeats reported as duplicates.
    const shuffled = batched.map((e, i) => ({ e, sort: (i * 7919) % 1009 })).sort((x, y) => x.sort - y.sort).map((x) => x.e);
    const outcomes = (await ingestPostmarkEvents(t.db, shuffled.map((event) => ({ event })))).map((r) => r.outcome as string);
    const posted = [...shuffled].reverse();
    for (let i = 0; i < posted.length; i += 25) {
      const results = await ingestPostmarkEvents(t.db, posted.slice(i, i + 25).map((event) => ({ event })));
      outcomes.push(...results.map((r) => r.outcome));
    }
    expect(outcomes.filter((o) => o === "stored").length).toBe(batched.length);
    expect(outcomes.filter((o) => o === "duplicate").length).toBe(batched.length);

    const [a, b] = [await campaignState(one.campaign.id), await campaignState(many.campaign.id)];
    expect(b).toEqual(a);
    expect(a.totals.clicked).toBeGreaterThan(0);
    expect(a.links.length).toBe(3);
  });

  it("stores the first of two identical events in one batch and reports the second as a duplicate", async () => {
    const { pm, email, message } = await sentMessage();
    const open = event("Open", pm, email, "2026-07-01T10:00:00Z");
    const results = await ingestPostmarkEvents(t.db, [{ event: open }, { event: open }, { event: event("Delivery", pm, email, "2026-07-01T09:59:00Z") }]);
    expect(results.map((r) => r.outcome)).toEqual(["stored", "duplicate", "stored"]);
    const [m] = await t.db.select().from(messages).where(eq(messages.id, message.id));
    expect(m).toMatchObject({ status: "opened", openCount: 1 });
  });

  it("two app instances' batchers writing the same messages at once lose nothing and never deadlock", async () => {
    const { campaign, recipients } = await twinCampaign("duo", 20);
    const [one, two] = [createIngestBatcher(t.db, { maxBatch: 16 }), createIngestBatcher(t.db, { maxBatch: 16 })];
    // 20 opens and 5 clicks per message, at distinct seconds, alternating between the instances.
    const posts = recipients.flatMap((r) => [
      ...Array.from({ length: 20 }, (_, k) => event("Open", r.pm, r.email, new Date(Date.UTC(2026, 10, 1, 9, 0, k)).toISOString())),
      ...Array.from({ length: 5 }, (_, k) => event("Click", r.pm, r.email, new Date(Date.UTC(2026, 10, 1, 9, 1, k)).toISOString(), { OriginalLink: `https://e.test/${k % 2}` })),
    ]);
    const shuffled = posts.map((e, i) => ({ e, r: (i * 7919) % 499 })).sort((a, b) => a.r - b.r).map((x) => x.e);
    const results = await Promise.all(shuffled.map((e, i) => (i % 2 ? one : two).ingest({ event: e })));
    expect(results.filter((r) => r.outcome === "stored").length).toBe(posts.length);
    const rows = await t.db.select({ openCount: messages.openCount, clickCount: messages.clickCount, status: messages.status }).from(messages).where(eq(messages.campaignId, campaign.id));
    expect(rows.every((m) => m.openCount === 20 && m.clickCount === 5 && m.status === "clicked")).toBe(true);
    expect(await getCampaignOutcomes(t.db, campaign.id)).toMatchObject({ delivered: 20, opened: 20, clicked: 20 });
    const [activity] = (await t.db.execute<{ opens: number; clicks: number }>(sql`select sum(opens)::int as opens, sum(clicks)::int as clicks from campaign_hourly_activity where campaign_id = ${campaign.id}::uuid`)).rows;
    expect(activity).toEqual({ opens: 400, clicks: 100 });
    const links = (await t.db.execute<{ clicks: number; unique_clicks: number }>(sql`select sum(clicks)::int as clicks, sum(unique_clicks)::int as unique_clicks from campaign_link_clicks where campaign_id = ${campaign.id}::uuid group by link order by link`)).rows;
    expect(links).toEqual([{ clicks: 60, unique_clicks: 20 }, { clicks: 40, unique_clicks: 20 }]);
    expect(one.stats.largest > 1 || two.stats.largest > 1).toBe(true);
  });

  it("the batcher never writes one message in two batches at once: its later events wait, the others go ahead", async () => {
    const [x, y] = [await sentMessage(), await sentMessage()];
    const batcher = createIngestBatcher(t.db, { concurrency: 2, maxBatch: 16 });
    const first = batcher.ingest({ event: event("Delivery", x.pm, x.email, "2026-08-03T10:00:00Z") });
    // While x's batch runs: two more of x (held for the next batch) and one of y (its own batch at once).
    const more = [
      batcher.ingest({ event: event("Open", x.pm, x.email, "2026-08-03T10:05:00Z") }),
      batcher.ingest({ event: event("Click", x.pm, x.email, "2026-08-03T10:06:00Z") }),
      batcher.ingest({ event: event("Delivery", y.pm, y.email, "2026-08-03T10:00:00Z") }),
    ];
    expect(batcher.running).toBe(2);
    expect(batcher.queued).toBe(2);
    expect(batcher.stats.held).toBe(2);
    const results = await Promise.all([first, ...more]);
    expect(results.map((r) => r.outcome)).toEqual(["stored", "stored", "stored", "stored"]);
    const [m] = await t.db.select().from(messages).where(eq(messages.id, x.message.id));
    expect(m.status).toBe("clicked");
  });

  it("the batcher closes a batch at its byte budget, whatever the count", async () => {
    const targets = await Promise.all(Array.from({ length: 10 }, () => sentMessage()));
    const batcher = createIngestBatcher(t.db, { concurrency: 1, maxBatch: 200, maxBatchBytes: 2_500 });
    const results = await Promise.all(
      targets.map((x) => {
        const e = event("Delivery", x.pm, x.email, "2026-08-02T10:00:00Z", { Details: "x".repeat(900) });
        return batcher.ingest({ event: e, rawText: JSON.stringify(e) });
      }),
    );
    expect(results.every((r) => r.outcome === "stored")).toBe(true);
    // Each raw body is over 1,000 bytes: at most two fit in 2,500.
    expect(batcher.stats.largest).toBe(2);
    expect(batcher.stats.events).toBe(10);
  });

  it("the batcher forms batches under concurrency, and an event that fails does not take its batch down", async () => {
    const targets = await Promise.all(Array.from({ length: 40 }, () => sentMessage()));
    const batcher = createIngestBatcher(t.db, { concurrency: 1, maxBatch: 16 });
    const sizes: number[] = [];
    const posts = targets.map((x, i) => {
      sizes.push(batcher.queued);
      // One poisoned event: its raw text is not JSON, so its row cannot be written.
      const rawText = i === 17 ? "{not json" : undefined;
      return batcher.ingest({ event: event("Delivery", x.pm, x.email, "2026-08-01T10:00:00Z"), rawText });
    });
    const settled = await Promise.allSettled(posts);
    // Queued behind the first transaction: later requests waited and shared one.
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(settled.filter((s) => s.status === "rejected").length).toBe(1);
    expect(settled[17].status).toBe("rejected");
    const stored = await t.db.select({ id: messages.id, status: messages.status }).from(messages).where(inArray(messages.id, targets.map((x) => x.message.id)));
    expect(stored.filter((m) => m.status === "delivered").length).toBe(39);
    expect(batcher.running).toBe(0);
    expect(batcher.queued).toBe(0);
  });
});

describe("the database's fold matches a plain sequential model", () => {
  // The reference: events applied one by one in arrival order, as a reader of the issue would write it.
  type Model = { status: string; deliveredAt: number | null; firstOpenedAt: number | null; lastOpenedAt: number | null; openCount: number; firstClickedAt: number | null; lastClickedAt: number | null; clickCount: number; bouncedAt: number | null; complainedAt: number | null; unsubscribedAt: number | null; lastEventAt: number | null };
  const RANK: Record<string, number> = { queued: 0, sending: 1, sent: 2, delivered: 3, opened: 4, clicked: 5 };
  const TERMINAL = new Set(["bounced", "spam_complaint", "unsubscribed"]);
  const min = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
  const max = (a: number | null, b: number) => (a === null ? b : Math.max(a, b));
  function apply(m: Model, kind: string, at: number): Model {
    const n = { ...m, lastEventAt: max(m.lastEventAt, at) };
    let implied: string | null = null;
    if (kind === "Delivery") [n.deliveredAt, implied] = [min(m.deliveredAt, at), "delivered"];
    if (kind === "Open") [n.firstOpenedAt, n.lastOpenedAt, n.openCount, implied] = [min(m.firstOpenedAt, at), max(m.lastOpenedAt, at), m.openCount + 1, "opened"];
    if (kind === "Click") [n.firstClickedAt, n.lastClickedAt, n.clickCount, implied] = [min(m.firstClickedAt, at), max(m.lastClickedAt, at), m.clickCount + 1, "clicked"];
    if (kind === "Bounce") [n.bouncedAt, implied] = [min(m.bouncedAt, at), "bounced"];
    if (kind === "SpamComplaint") [n.complainedAt, implied] = [min(m.complainedAt, at), "spam_complaint"];
    if (kind === "SubscriptionChange") [n.unsubscribedAt, implied] = [min(m.unsubscribedAt, at), "unsubscribed"];
    if (implied && !TERMINAL.has(m.status) && (TERMINAL.has(implied) || RANK[implied] > (RANK[m.status] ?? -1))) n.status = implied;
    return n;
  }

  it("random events for 40 messages, shuffled, in random batch sizes: every message and the campaign totals as the model says", async () => {
    let seed = 20261123;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const kinds = ["Delivery", "Open", "Open", "Click", "Click", "Bounce", "Transient", "SpamComplaint", "SubscriptionChange"] as const;
    const campaign = await createCampaign(t.db, { name: "model", subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" });
    const targets: { id: string; pm: string; email: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const email = `model-${i}@model.test`;
      const contact = await createContact(t.db, { email });
      const [m] = await t.db.insert(messages).values({ kind: "campaign", campaignId: campaign.id, contactId: contact.id, toEmail: email, fromEmail: "f@postline.test", subject: "s", messageStream: "broadcast", status: "sent", postmarkMessageId: `model-pm-${i}`, sentAt: new Date() }).returning();
      targets.push({ id: m.id, pm: m.postmarkMessageId!, email });
    }
    const posts: { target: number; kind: (typeof kinds)[number]; at: number; event: PostmarkEvent }[] = [];
    targets.forEach((x, target) => {
      const count = 1 + Math.floor(rand() * 6);
      for (let k = 0; k < count; k++) {
        const kind = kinds[Math.floor(rand() * kinds.length)];
        const at = Date.UTC(2026, 9, 1, 10) + Math.floor(rand() * 86_400) * 1000;
        const iso = new Date(at).toISOString();
        const e =
          kind === "Transient"
            ? event("Bounce", x.pm, x.email, iso, { Type: "Transient", TypeCode: 2, Inactive: false, ID: 90_000_000 + posts.length })
            : kind === "Bounce"
              ? event("Bounce", x.pm, x.email, iso, { ID: 80_000_000 + posts.length })
              : kind === "SpamComplaint"
                ? event("SpamComplaint", x.pm, x.email, iso, { ID: 70_000_000 + posts.length })
                : event(kind, x.pm, x.email, iso);
        posts.push({ target, kind, at, event: e });
      }
    });
    const shuffled = posts.map((p) => ({ p, r: rand() })).sort((a, b) => a.r - b.r).map((x) => x.p);
    // What Postmark would call one event is posted once here (retries are tested elsewhere): a
    // recipient's Delivery happens once; opens and clicks are per second.
    const seenKeys = new Set<string>();
    const arrivals = shuffled.filter((p) => {
      const key = p.kind === "Delivery" ? `${p.target}:Delivery` : `${p.target}:${p.kind}:${p.at}`;
      if (seenKeys.has(key)) return false;
      seenKeys.add(key);
      return true;
    });
    for (let i = 0; i < arrivals.length; ) {
      const size = 1 + Math.floor(rand() * 20);
      await ingestPostmarkEvents(t.db, arrivals.slice(i, i + size).map((p) => ({ event: p.event })));
      i += size;
    }

    const start: Model = { status: "sent", deliveredAt: null, firstOpenedAt: null, lastOpenedAt: null, openCount: 0, firstClickedAt: null, lastClickedAt: null, clickCount: 0, bouncedAt: null, complainedAt: null, unsubscribedAt: null, lastEventAt: null };
    const models = targets.map(() => ({ ...start }));
    for (const p of arrivals) models[p.target] = apply(models[p.target], p.kind === "Transient" ? "Delayed" : p.kind, p.at);

    const rows = await t.db.select().from(messages).where(eq(messages.campaignId, campaign.id));
    const ms = (d: Date | null) => (d ? d.getTime() : null);
    for (const [i, x] of targets.entries()) {
      const row = rows.find((r) => r.id === x.id)!;
      expect({ status: row.status, deliveredAt: ms(row.deliveredAt), firstOpenedAt: ms(row.firstOpenedAt), lastOpenedAt: ms(row.lastOpenedAt), openCount: row.openCount, firstClickedAt: ms(row.firstClickedAt), lastClickedAt: ms(row.lastClickedAt), clickCount: row.clickCount, bouncedAt: ms(row.bouncedAt), complainedAt: ms(row.complainedAt), unsubscribedAt: ms(row.unsubscribedAt), lastEventAt: ms(row.lastEventAt) }).toEqual(models[i]);
    }
    const count = (f: (m: Model) => boolean) => models.filter(f).length;
    expect(await getCampaignOutcomes(t.db, campaign.id)).toEqual({
      delivered: count((m) => m.deliveredAt !== null || m.firstOpenedAt !== null || m.firstClickedAt !== null),
      opened: count((m) => m.firstOpenedAt !== null),
      clicked: count((m) => m.firstClickedAt !== null),
      bounced: count((m) => m.status === "bounced"),
      spamComplaints: count((m) => m.status === "spam_complaint"),
      unsubscribed: count((m) => m.status === "unsubscribed"),
    });
    // The scenario exercises every outcome.
    const statuses = new Set(models.map((m) => m.status));
    for (const status of ["delivered", "opened", "clicked", "bounced", "spam_complaint", "unsubscribed"]) expect(statuses).toContain(status);
  });
});
