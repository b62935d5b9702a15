import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { eraseContact } from "@/lib/contacts/erase";
import { ingestPostmarkEvent, ingestPostmarkEvents } from "@/lib/ingest/ingest";
import { postmarkEventSchema, type PostmarkEvent } from "@/lib/ingest/postmark-payload";
import { advanceSending } from "@/lib/sending/advance-sending";
import { startedCampaignTo, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { countSegmentSql } from "./count";
import type { SegmentDefinition } from "./definition";
import { countSegment, pageSegmentContacts } from "./segments";

/**
 * contact_engagement (db/schema/contacts.ts) is derived from messages: after every real path that
 * moves it (a send recorded, opens and clicks ingested in any order, an erasure) it must equal the
 * recompute from messages, and the engagement conditions must count the same through it as the
 * members listed.
 */
const bed = useSendingTestbed();

const OUTLOOK = { UserAgent: "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.6326; Pro)", Client: { Name: "Outlook", Family: "Outlook" }, OS: { Family: "Windows" }, Platform: "Desktop", Geo: { IP: "188.2.95.4" } };
const CHROME = { UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", Client: { Name: "Chrome 130", Family: "Chrome" }, OS: { Family: "Windows" }, Platform: "Desktop", Geo: { IP: "188.2.95.4" } };
const MPP = { UserAgent: "Mozilla/5.0", Client: { Name: "Unknown", Family: "Unknown" }, OS: { Family: "Unknown" }, Platform: "Unknown", Geo: { IP: "104.28.85.110" } };

interface Sent { pm: string; email: string; contactId: string; sentAt: Date }

async function sentMessages(campaignId: string): Promise<Sent[]> {
  const rows = await bed.t.db.execute<{ pm: string; email: string; contact_id: string; sent_at: string }>(sql`
    select postmark_message_id as pm, to_email as email, contact_id, sent_at::text from messages where campaign_id = ${campaignId}::uuid order by to_email`);
  return rows.rows.map((r) => ({ pm: r.pm, email: r.email, contactId: r.contact_id, sentAt: new Date(r.sent_at) }));
}

const at = (m: Sent, seconds: number) => new Date(m.sentAt.getTime() + seconds * 1000).toISOString();
const delivery = (m: Sent) => postmarkEventSchema.parse({ RecordType: "Delivery", MessageID: m.pm, Recipient: m.email, DeliveredAt: at(m, 1), MessageStream: "broadcast", Metadata: {}, Tag: "t" });
const open = (m: Sent, seconds: number, who: Record<string, unknown>) =>
  postmarkEventSchema.parse({ RecordType: "Open", MessageID: m.pm, Recipient: m.email, ReceivedAt: at(m, seconds), FirstOpen: true, MessageStream: "broadcast", Metadata: {}, Tag: "t", ...who });
const click = (m: Sent, seconds: number, who: Record<string, unknown>) =>
  postmarkEventSchema.parse({ RecordType: "Click", MessageID: m.pm, Recipient: m.email, ReceivedAt: at(m, seconds), OriginalLink: "https://e.test/a", ClickLocation: "HTML", MessageStream: "broadcast", Metadata: {}, Tag: "t", ...who });

/** Rows of contact_engagement that differ from a recompute over the messages (none, when it is kept right). */
async function drift() {
  const rows = await bed.t.db.execute<Record<string, unknown>>(sql`
    with truth as (
      select contact_id, min(sent_at) as sent_at, max(first_human_opened_at) as human_opened_at, max(first_human_clicked_at) as human_clicked_at
      from messages where campaign_id is not null and contact_id is not null group by contact_id
      having min(sent_at) is not null or max(first_human_opened_at) is not null or max(first_human_clicked_at) is not null)
    select coalesce(t.contact_id, e.contact_id) as contact_id, t.sent_at as truth_sent, e.sent_at, t.human_opened_at as truth_opened, e.human_opened_at,
           t.human_clicked_at as truth_clicked, e.human_clicked_at
    from truth t full join contact_engagement e on e.contact_id = t.contact_id
    where (t.sent_at, t.human_opened_at, t.human_clicked_at) is distinct from (e.sent_at, e.human_opened_at, e.human_clicked_at)
      and not (t.contact_id is null and e.sent_at is null and e.human_opened_at is null and e.human_clicked_at is null)`);
  return rows.rows;
}

async function engagementOf(contactId: string) {
  const rows = await bed.t.db.execute<{ sent_at: string | null; human_opened_at: string | null; human_clicked_at: string | null }>(sql`
    select to_char(sent_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as sent_at,
           to_char(human_opened_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as human_opened_at,
           to_char(human_clicked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as human_clicked_at
    from contact_engagement where contact_id = ${contactId}::uuid`);
  return rows.rows[0] ?? null;
}

/** The count (lib/segments/count.ts) and the members listed (the predicate) of one condition, among `ids`. */
async function countAndMembers(definition: SegmentDefinition, ids: string[], now: Date) {
  const all: string[] = [];
  let after: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof pageSegmentContacts>> = await pageSegmentContacts(bed.t.db, { definition, after, limit: 100 }, now);
    all.push(...page.rows.map((c) => c.id));
    after = page.next;
  } while (after);
  return { count: await countSegment(bed.t.db, definition, now), members: all.filter((id) => ids.includes(id)).sort(), total: all.length };
}

describe("contact_engagement: kept by sending and ingestion, recomputed so order never matters (real PostgreSQL + Postmark sandbox)", () => {
  it("a recorded send marks the contacts reached; opens and clicks in any order leave each contact's latest first human open and click", async () => {
    const { campaign } = await startedCampaignTo(bed, 3, "eng-a");
    expect(await drift()).toEqual([]);
    await advanceSending(bed.t.db, { budgetMs: 30_000 }, bed.fixture.deps);
    const [a, b, c] = await sentMessages(campaign.id);
    expect(await engagementOf(a.contactId)).toMatchObject({ sent_at: a.sentAt.toISOString(), human_opened_at: null, human_clicked_at: null });
    expect(await drift()).toEqual([]);

    await ingestPostmarkEvents(bed.t.db, [a, b, c].map((m) => ({ event: delivery(m) })));
    // a: a person opens at +1800 s, and the open at +600 s that came first arrives last: the first
    // human open moves earlier, and so does the contact's latest.
    await ingestPostmarkEvent(bed.t.db, open(a, 1800, OUTLOOK));
    expect((await engagementOf(a.contactId))?.human_opened_at).toBe(at(a, 1800));
    await ingestPostmarkEvent(bed.t.db, open(a, 600, OUTLOOK));
    expect((await engagementOf(a.contactId))?.human_opened_at).toBe(at(a, 600));
    // b: only Apple's prefetch, then a person's click an hour later (a human click is a human open).
    const bEvents: PostmarkEvent[] = [open(b, 2, MPP), click(b, 3600, CHROME)];
    await ingestPostmarkEvents(bed.t.db, [...bEvents].reverse().map((event) => ({ event })));
    // c: machine only.
    await ingestPostmarkEvent(bed.t.db, open(c, 2, MPP));
    expect(await engagementOf(b.contactId)).toMatchObject({ human_opened_at: at(b, 3600), human_clicked_at: at(b, 3600) });
    expect(await engagementOf(c.contactId)).toMatchObject({ sent_at: c.sentAt.toISOString(), human_opened_at: null });
    expect(await drift()).toEqual([]);

    // The conditions through it, counted (count.ts) and listed (the predicate), agree.
    const now = new Date(a.sentAt.getTime() + 86_400_000);
    const ids = [a, b, c].map((m) => m.contactId);
    const never = await countAndMembers({ match: "all", conditions: [{ type: "engagement", op: "never_opened" }] }, ids, now);
    expect(never.members).toEqual([c.contactId]);
    expect(never.count).toBe(never.total);
    const opened = await countAndMembers({ match: "all", conditions: [{ type: "engagement", op: "opened_within_days", days: 1 }] }, ids, now);
    expect(opened.members).toEqual([a.contactId, b.contactId].sort());
    expect(opened.count).toBe(opened.total);
    const clicked = await countAndMembers({ match: "all", conditions: [{ type: "engagement", op: "clicked_within_days", days: 1 }] }, ids, now);
    expect(clicked.members).toEqual([b.contactId]);
    const notOpened = await countAndMembers({ match: "all", conditions: [{ type: "engagement", op: "not_opened_within_days", days: 1 }] }, ids, now);
    expect(notOpened.members).toEqual([c.contactId]);
    expect(notOpened.count).toBe(notOpened.total);
  });

  it("the same events in three orders end in the same row", async () => {
    const finals = [];
    for (const order of ["forward", "reversed", "one-by-one reversed"] as const) {
      const { campaign } = await startedCampaignTo(bed, 1, `eng-order-${order.replaceAll(" ", "-")}`);
      await advanceSending(bed.t.db, { budgetMs: 30_000 }, bed.fixture.deps);
      const [m] = await sentMessages(campaign.id);
      const events = [delivery(m), open(m, 3, MPP), open(m, 900, OUTLOOK), click(m, 1200, CHROME), open(m, 5000, OUTLOOK)];
      if (order === "forward") await ingestPostmarkEvents(bed.t.db, events.map((event) => ({ event })));
      if (order === "reversed") await ingestPostmarkEvents(bed.t.db, [...events].reverse().map((event) => ({ event })));
      if (order === "one-by-one reversed") for (const event of [...events].reverse()) await ingestPostmarkEvent(bed.t.db, event);
      const row = await engagementOf(m.contactId);
      finals.push({ opened: row?.human_opened_at && Date.parse(row.human_opened_at) - m.sentAt.getTime(), clicked: row?.human_clicked_at && Date.parse(row.human_clicked_at) - m.sentAt.getTime() });
    }
    expect(finals[0]).toEqual({ opened: 900_000, clicked: 1_200_000 });
    expect(finals[1]).toEqual(finals[0]);
    expect(finals[2]).toEqual(finals[0]);
    expect(await drift()).toEqual([]);
  });

  it("erasing a contact deletes its row; its messages, kept without it, count for no one", async () => {
    const { campaign } = await startedCampaignTo(bed, 2, "eng-erase");
    await advanceSending(bed.t.db, { budgetMs: 30_000 }, bed.fixture.deps);
    const [a] = await sentMessages(campaign.id);
    await ingestPostmarkEvents(bed.t.db, [{ event: delivery(a) }, { event: open(a, 700, OUTLOOK) }]);
    expect(await engagementOf(a.contactId)).not.toBeNull();
    await eraseContact(bed.t.db, { contactId: a.contactId, actor: "test" }, new Date());
    expect(await engagementOf(a.contactId)).toBeNull();
    expect(await drift()).toEqual([]);
  });

  it("a lone membership or engagement condition is counted from its own index; combinations count with the predicate", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const text = (d: SegmentDefinition) => new PgDialect().sqlToQuery(countSegmentSql(d, { now })).sql;
    const tag = "00000000-0000-4000-8000-000000000001";
    expect(text({ match: "all", conditions: [{ type: "tags", op: "any", tag_ids: [tag] }] })).toMatch(/^select \(\(select count\(\*\) from \(select ct\.contact_id from contact_tags ct/);
    expect(text({ match: "all", conditions: [{ type: "tags", op: "none", tag_ids: [tag] }] })).toMatch(/^select \(\(select count\(\*\) from contacts c where c\.status <> 'pending'\) - /);
    expect(text({ match: "any", conditions: [{ type: "engagement", op: "opened_within_days", days: 30 }, { type: "created", op: "within_last_days", days: 7 }] })).toMatch(/\) \+ \(select count\(\*\) from \(select c\.id as contact_id from contacts c where c\.created_at >= \$\d+::timestamptz\) d where not exists .* and not exists \(select 1 from \(select e\.contact_id from contact_engagement e/);
    expect(text({ match: "all", conditions: [{ type: "tags", op: "any", tag_ids: [tag] }, { type: "status", op: "is", values: ["subscribed"] }] })).toMatch(/^select count\(\*\)::int as n from contacts c where/);
  });
});
