import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageEventKeys, messageEventRaw, messageEvents, messages } from "@/db/schema";
import { createCampaign } from "@/lib/campaigns/campaigns";
import { createContact } from "@/lib/contacts/contacts";
import { listMessageEvents } from "@/lib/messages/queries";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { ingestPostmarkEvent, linkOrphanEvents } from "./ingest";
import { maintainEventPartitions, monthStart, partitionName } from "./partitions";
import { postmarkEventSchema } from "./postmark-payload";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

let n = 0;
async function sentMessage() {
  const email = `p${++n}@partitions.test`;
  const contact = await createContact(t.db, { email });
  const campaign = await createCampaign(t.db, { name: `c${n}`, subject: "s", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" });
  const pm = `pm-part-${n}-${Math.random().toString(36).slice(2)}`;
  const [m] = await t.db
    .insert(messages)
    .values({ kind: "campaign", campaignId: campaign.id, contactId: contact.id, toEmail: email, fromEmail: "f@postline.test", subject: "s", messageStream: "broadcast", status: "sent", postmarkMessageId: pm, sentAt: new Date() })
    .returning();
  return { message: m, pm, email };
}
const open = (pm: string, email: string, at: string) =>
  postmarkEventSchema.parse({ RecordType: "Open", MessageID: pm, MessageStream: "broadcast", Metadata: {}, Tag: "t", Recipient: email, ReceivedAt: at, FirstOpen: true });

/** Which partition of `table` holds each row, by event id. */
async function partitionsOf(table: "message_events" | "message_event_raw", ids: number[]): Promise<string[]> {
  const idColumn = table === "message_events" ? "id" : "event_id";
  const { rows } = await t.db.execute<{ p: string }>(
    sql`select tableoid::regclass::text as p from ${sql.identifier(table)} where ${sql.identifier(idColumn)} = any(${`{${ids.join(",")}}`}::bigint[]) order by ${sql.identifier(idColumn)}`,
  );
  return rows.map((r) => r.p);
}
const exists = async (name: string) => (await t.db.execute<{ yes: boolean }>(sql`select to_regclass(${name}) is not null as yes`)).rows[0].yes;

describe("message_events partitioned by month (real PostgreSQL)", () => {
  it("stores events in this month's partition, with their raw JSON in the twin partition", async () => {
    const { pm, email } = await sentMessage();
    const stored = await ingestPostmarkEvent(t.db, open(pm, email, "2026-03-01T10:00:00Z"));
    const month = partitionName("message_events", monthStart(new Date()));
    expect(await partitionsOf("message_events", [stored.eventId!])).toEqual([month]);
    expect(await partitionsOf("message_event_raw", [stored.eventId!])).toEqual([partitionName("message_event_raw", monthStart(new Date()))]);
  });

  it("keeps an event stored once across partitions: a retry after the first copy moved to another month is a duplicate", async () => {
    const { message, pm, email } = await sentMessage();
    const e = open(pm, email, "2026-03-02T10:00:00Z");
    const first = await ingestPostmarkEvent(t.db, e);
    expect(first.outcome).toBe("stored");
    // The stored copy is now in another partition (the default one: no month was created that far back),
    // as an event received long ago would be.
    await t.db.execute(sql`update message_events set received_at = '2001-01-15' where id = ${first.eventId}`);
    await t.db.execute(sql`update message_event_raw set received_at = '2001-01-15' where event_id = ${first.eventId}`);
    expect(await partitionsOf("message_events", [first.eventId!])).toEqual(["message_events_default"]);
    expect((await ingestPostmarkEvent(t.db, e)).outcome).toBe("duplicate");
    const events = await listMessageEvents(t.db, message.id);
    expect(events.map((x) => x.id)).toEqual([first.eventId]);
    expect(events[0].raw).toMatchObject({ RecordType: "Open", MessageID: pm });
  });

  it("removes an event's key and raw JSON with the event (its message deleted), so the same event can be stored again", async () => {
    const { message, pm, email } = await sentMessage();
    const e = open(pm, email, "2026-03-03T10:00:00Z");
    const first = await ingestPostmarkEvent(t.db, e);
    await t.db.delete(messages).where(eq(messages.id, message.id));
    expect(await t.db.$count(messageEvents, eq(messageEvents.id, first.eventId!))).toBe(0);
    expect(await t.db.$count(messageEventRaw, eq(messageEventRaw.eventId, first.eventId!))).toBe(0);
    expect(await t.db.$count(messageEventKeys, eq(messageEventKeys.eventKey, (await keyOf(e))!))).toBe(0);
    expect((await ingestPostmarkEvent(t.db, e)).outcome).toBe("orphan");
  });

  it("strips the raw JSON of an orphan linked later to an erased message (the trigger writes message_event_raw)", async () => {
    const { message, email } = await sentMessage();
    const pm = `late-${message.id}`;
    const orphan = await ingestPostmarkEvent(t.db, open(pm, email, "2026-03-06T10:00:00Z"));
    expect(orphan.outcome).toBe("orphan");
    await t.db.update(messages).set({ toEmail: "(erased)" }).where(eq(messages.id, message.id));
    await t.db.transaction(async (tx) => {
      await tx.update(messages).set({ postmarkMessageId: pm }).where(eq(messages.id, message.id));
      await linkOrphanEvents(tx, [pm]);
    });
    const [e] = await listMessageEvents(t.db, message.id);
    expect(e).toMatchObject({ id: orphan.eventId, recipient: null, raw: { RecordType: "Open", MessageID: pm, Erased: true } });
  });

  it("never refuses an event outside the months created (default partition), and moves it into its month once created", async () => {
    const far = new Date("2099-03-10T12:00:00Z");
    const [row] = await t.db.insert(messageEvents).values({ eventKey: "far-future", recordType: "Delivery", occurredAt: far, receivedAt: far }).returning();
    await t.db.insert(messageEventRaw).values({ eventId: row.id, receivedAt: far, raw: { far: true } });
    await t.db.insert(messageEventKeys).values({ eventKey: "far-future" });
    expect(await partitionsOf("message_events", [row.id])).toEqual(["message_events_default"]);

    const changes = await maintainEventPartitions(t.db, { now: new Date("2099-03-15T00:00:00Z"), rawRetentionDays: 36_500 });
    expect(changes.created.sort()).toEqual(
      ["message_events", "message_event_raw"].flatMap((table) => ["2099_03", "2099_04", "2099_05"].map((m) => `${table}_${m}`)).sort(),
    );
    expect(changes.movedFromDefault).toBe(2);
    expect(await partitionsOf("message_events", [row.id])).toEqual(["message_events_2099_03"]);
    expect(await partitionsOf("message_event_raw", [row.id])).toEqual(["message_event_raw_2099_03"]);
    // Moved, not deleted: its key and raw JSON stay.
    expect(await t.db.$count(messageEventKeys, eq(messageEventKeys.eventKey, "far-future"))).toBe(1);
    // Indexes came with the attach (the timeline's message_id index on every month).
    const { rows: indexes } = await t.db.execute<{ indexname: string }>(sql`select indexname from pg_indexes where tablename = 'message_events_2099_03' order by 1`);
    expect(indexes.map((i) => i.indexname)).toHaveLength(4);
    expect(indexes.some((i) => /message_id_occurred_at/.test(i.indexname))).toBe(true);

    // Twice, from two instances at once: nothing more to do, no error.
    const again = await Promise.all([1, 2].map(() => maintainEventPartitions(t.db, { now: new Date("2099-03-15T00:00:00Z"), rawRetentionDays: 36_500 })));
    expect(again.map((c) => c.created.length + c.droppedRaw.length)).toEqual([0, 0]);
  });

  it("drops raw JSON past the retention by detaching whole months, keeping every event and its fields", async () => {
    const { message, pm, email } = await sentMessage();
    const stored = await ingestPostmarkEvent(t.db, open(pm, email, "2026-03-04T10:00:00Z"));
    const thisMonth = monthStart(new Date());
    const events = await t.db.$count(messageEvents);

    // 30 days after this month ended, with a 90-day retention: kept.
    const soon = new Date(monthStart(new Date(), 1).getTime() + 30 * 86_400_000);
    expect((await maintainEventPartitions(t.db, { now: soon, rawRetentionDays: 90 })).droppedRaw).toEqual([]);

    // 91 days after: this month's raw JSON goes (and every earlier month's), the events stay.
    const later = new Date(monthStart(new Date(), 1).getTime() + 91 * 86_400_000);
    const changes = await maintainEventPartitions(t.db, { now: later, rawRetentionDays: 90 });
    expect(changes.droppedRaw).toContain(partitionName("message_event_raw", thisMonth));
    expect(changes.droppedRaw.every((name) => name.startsWith("message_event_raw_"))).toBe(true);
    expect(await exists(partitionName("message_event_raw", thisMonth))).toBe(false);
    expect(await exists(partitionName("message_events", thisMonth))).toBe(true);
    expect(await exists("message_event_raw_default")).toBe(true);
    expect(await t.db.$count(messageEvents)).toBe(events);

    const [kept] = await listMessageEvents(t.db, message.id);
    expect(kept).toMatchObject({ id: stored.eventId, recordType: "Open", recipient: email, raw: null });
    const [m] = await t.db.select().from(messages).where(eq(messages.id, message.id));
    expect(m.status).toBe("opened");
    // The event is still de-duplicated.
    expect((await ingestPostmarkEvent(t.db, open(pm, email, "2026-03-04T10:00:00Z"))).outcome).toBe("duplicate");
    // A new event has a partition to go to (the current month's raw went: the default partition takes it).
    expect((await ingestPostmarkEvent(t.db, open(pm, email, "2026-03-05T10:00:00Z"))).outcome).toBe("stored");
  });
});

async function keyOf(e: ReturnType<typeof open>): Promise<string | undefined> {
  const { extractPostmarkEvent } = await import("./extract");
  return extractPostmarkEvent(e).eventKey;
}
