import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaigns, contacts, messageEventKeys, messageEventRaw, messageEvents, messages } from "@/db/schema";
import { isUniqueViolation } from "@/lib/errors";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

/** The database, not the code, refuses what must never happen. */
describe("schema invariants (real PostgreSQL)", () => {
  it("keeps one contact per address whatever its case", async () => {
    await t.db.insert(contacts).values({ email: "Dup@Example.com" });
    const error = await t.db.insert(contacts).values({ email: "dup@example.com" }).catch((e) => e);
    expect(isUniqueViolation(error, "contacts_email_lower_key")).toBe(true);
  });

  it("keeps one message per campaign and contact, and one row per Postmark MessageID", async () => {
    const [contact] = await t.db.insert(contacts).values({ email: "r@example.com" }).returning();
    const [campaign] = await t.db.insert(campaigns).values({ name: "c", fromEmail: "f@example.com", subject: "s", html: "<p>h</p>" }).returning();
    const base = { kind: "campaign" as const, campaignId: campaign.id, contactId: contact.id, toEmail: contact.email, fromEmail: "f@example.com", subject: "s", messageStream: "broadcast" };
    await t.db.insert(messages).values({ ...base, postmarkMessageId: "pm-1" });
    const twice = await t.db.insert(messages).values(base).catch((e) => e);
    expect(isUniqueViolation(twice, "messages_campaign_contact_key")).toBe(true);

    const single = { kind: "single" as const, toEmail: "x@example.com", fromEmail: "f@example.com", subject: "s", messageStream: "outbound" };
    const samePm = await t.db.insert(messages).values({ ...single, postmarkMessageId: "pm-1" }).catch((e) => e);
    expect(isUniqueViolation(samePm)).toBe(true);
    // Single emails have no campaign: many may go to one address.
    await t.db.insert(messages).values([single, single]);
  });

  it("stores an event key once and refuses events pointing at unknown messages", async () => {
    const event = { eventKey: "Delivery:pm-x:r@example.com", recordType: "Delivery", occurredAt: new Date() };
    await t.db.insert(messageEvents).values(event);
    // Unique across every partition of message_events: the key table.
    await t.db.insert(messageEventKeys).values({ eventKey: event.eventKey });
    expect(isUniqueViolation(await t.db.insert(messageEventKeys).values({ eventKey: event.eventKey }).catch((e) => e))).toBe(true);
    const orphanFk = await t.db
      .insert(messageEvents)
      .values({ ...event, eventKey: "other", messageId: "00000000-0000-0000-0000-000000000000" })
      .catch((e) => e);
    expect((orphanFk.cause ?? orphanFk).code).toBe("23503");
  });

  it("keeps raw JSON exactly as received (jsonb round trip)", async () => {
    const raw = { RecordType: "Open", Nested: { List: [1, "two", null] }, Unicode: "Zoë ✓" };
    const [stored] = await t.db.insert(messageEvents).values({ eventKey: "raw-test", recordType: "Open", occurredAt: new Date() }).returning();
    await t.db.insert(messageEventRaw).values({ eventId: stored.id, receivedAt: stored.receivedAt, raw });
    const result = await t.db.execute(sql`select raw from message_event_raw where event_id = ${stored.id}`);
    expect(result.rows[0].raw).toEqual(raw);
  });

  it("gives messages ids in time order (UUID version 7), with the older servers' SQL version alike", async () => {
    const [campaign] = await t.db.insert(campaigns).values({ name: "ids", fromEmail: "f@example.com", subject: "s", html: "<p>h</p>" }).returning();
    const before = Date.now();
    const rows = await t.db.execute<{ id: string }>(sql`
      insert into messages (kind, campaign_id, to_email, from_email, subject, message_stream)
      select 'campaign', ${campaign.id}::uuid, 'v7-' || i || '@example.com', 'f@example.com', 's', 'broadcast' from generate_series(1, 2000) i
      returning id`);
    // The migration's fallback for servers before PostgreSQL 18, run here as it is written there.
    const migration = fs.readFileSync(path.join(process.cwd(), "db/migrations/0032_message_ids_in_time_order.sql"), "utf8");
    const fallback = /ELSE\s+CREATE OR REPLACE FUNCTION postline_uuidv7\(\)[^']*'((?:[^']|'')*)'/.exec(migration)![1].replace(/''/g, "'");
    const client = await t.db.$client.connect();
    let fallbackIds: string[];
    try {
      await client.query(`create function pg_temp.uuidv7_fallback() returns uuid language sql volatile as $f$${fallback}$f$`);
      fallbackIds = (await client.query<{ id: string }>("select pg_temp.uuidv7_fallback() as id from generate_series(1, 2000)")).rows.map((r) => r.id);
    } finally {
      client.release();
    }
    const after = Date.now();
    for (const ids of [rows.rows.map((r) => r.id), fallbackIds]) {
      expect(new Set(ids).size).toBe(2000);
      for (const id of ids) {
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        const ms = parseInt(id.replace(/-/g, "").slice(0, 12), 16);
        expect(ms).toBeGreaterThanOrEqual(before - 1000);
        expect(ms).toBeLessThanOrEqual(after + 1000);
      }
      // The first 48 bits (milliseconds) never go back within one statement.
      const stamps = ids.map((id) => id.slice(0, 13));
      expect(stamps).toEqual([...stamps].sort());
    }
  });
});
