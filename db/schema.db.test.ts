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
});
