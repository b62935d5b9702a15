import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookEndpoints } from "@/db/schema";
import { ingestPostmarkEvent } from "@/lib/ingest/ingest";
import { postmarkEventSchema } from "@/lib/ingest/postmark-payload";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createContact, updateContact, upsertContacts } from "./contacts";
import { setContactStatusByEmail } from "./test-support";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

/** The outbox's events of one kind about one contact, oldest first. */
async function announced(event: string, contactId: string) {
  const rows = await t.db.execute<{ data: Record<string, unknown> }>(sql`
    select data from webhook_events where event = ${event} and data->>'contact_id' = ${contactId} order by occurred_at, id`);
  return rows.rows.map((r) => r.data);
}

describe("Contact.Updated: every change to a contact is announced, whatever made it (real PostgreSQL)", () => {
  it("announces nothing while no active endpoint subscribes", async () => {
    const c = await createContact(t.db, { email: "quiet@contact.test" });
    await updateContact(t.db, { id: c.id, patch: { name: "Quiet" }, actor: "a marketer" }, new Date());
    expect(await announced("Contact.Updated", c.id)).toEqual([]);
  });

  it("edits, imports, suppressions and unsubscribes each announce what changed; rewriting the same values announces nothing", async () => {
    await t.db.insert(webhookEndpoints).values({ url: "https://hooks.example.com/in", events: ["Contact.Updated", "Contact.Unsubscribed"], status: "active", rateLimit: 10, rateLimitPeriod: "second", secret: "s".repeat(40), verificationToken: "v" });
    const c = await createContact(t.db, { email: "ada@contact.test", name: "Ada" });

    await updateContact(t.db, { id: c.id, patch: { name: "Ada Lovelace", fields: { city: "London" } }, actor: "a marketer" }, new Date());
    let events = await announced("Contact.Updated", c.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ contact_id: c.id, email: "ada@contact.test", name: "Ada Lovelace", fields: { city: "London" }, status: "subscribed", changed: ["name", "fields"] });

    // An import row with the same values rewrites the row but changes nothing: no event.
    await upsertContacts(t.db, { rows: [{ email: "ADA@contact.test", name: "Ada Lovelace", fields: { city: "London" } }] });
    expect(await announced("Contact.Updated", c.id)).toHaveLength(1);
    await upsertContacts(t.db, { rows: [{ email: "ada@contact.test", fields: { plan: "pro" } }] });
    events = await announced("Contact.Updated", c.id);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ fields: { city: "London", plan: "pro" }, changed: ["fields"] });

    // By hand: unsubscribed (also Contact.Unsubscribed), then subscribed again.
    await updateContact(t.db, { id: c.id, patch: { status: "unsubscribed" }, actor: "mia@postline.test" }, new Date());
    await updateContact(t.db, { id: c.id, patch: { status: "subscribed" }, actor: "mia@postline.test" }, new Date());
    events = await announced("Contact.Updated", c.id);
    expect(events.slice(2).map((e) => [e.status, e.changed, e.status_reason])).toEqual([
      ["unsubscribed", ["status"], "Unsubscribed by mia@postline.test"],
      ["subscribed", ["status"], "Resubscribed by mia@postline.test"],
    ]);
    expect(await announced("Contact.Unsubscribed", c.id)).toMatchObject([{ email: "ada@contact.test", reason: "Unsubscribed by mia@postline.test" }]);

    // Postmark reports a hard bounce (after the resubscription: older news would not override it):
    // the contact is suppressed inside ingestion, and announced.
    await ingestPostmarkEvent(t.db, postmarkEventSchema.parse({ RecordType: "Bounce", ID: 4242, Type: "HardBounce", TypeCode: 1, Email: "ada@contact.test", BouncedAt: new Date(Date.now() + 60_000).toISOString(), Inactive: true, MessageID: "not-ours", MessageStream: "broadcast", Metadata: {} }));
    events = await announced("Contact.Updated", c.id);
    expect(events.at(-1)).toMatchObject({ status: "bounced", changed: ["status"] });

    // A bounced contact is Postmark's to reactivate, not ours.
    await expect(updateContact(t.db, { id: c.id, patch: { status: "subscribed" }, actor: "a marketer" }, new Date())).rejects.toMatchObject({ code: "contact_suppressed", status: 409 });
    // Setting the status it already has changes nothing and announces nothing.
    const before = (await announced("Contact.Updated", c.id)).length;
    expect(await setContactStatusByEmail(t.db, { email: "ada@contact.test", status: "bounced", reason: "again" })).toBe(false);
    expect(await announced("Contact.Updated", c.id)).toHaveLength(before);
  });

  it("stamps a status change with the time it is given, not the machine's", async () => {
    const c = await createContact(t.db, { email: "clock@contact.test" });
    const then = new Date("2031-02-03T04:05:06.000Z");
    const updated = await updateContact(t.db, { id: c.id, patch: { status: "unsubscribed" }, actor: "mia@postline.test" }, then);
    expect(updated.statusChangedAt?.toISOString()).toBe(then.toISOString());
    expect(updated.updatedAt.toISOString()).toBe(then.toISOString());
  });

  it("an unknown contact is a 404", async () => {
    await expect(updateContact(t.db, { id: "00000000-0000-4000-8000-000000000000", patch: { name: "x" }, actor: "a marketer" }, new Date())).rejects.toMatchObject({ status: 404 });
  });
});
