import { createHash } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { DbOrTx } from "@/db";
import { campaigns, contactErasures, contacts, messageEvents, messages, suppressedAddresses, webhookEndpoints } from "@/db/schema";
import { createCampaign, getCampaignOrThrow, startCampaignSend } from "@/lib/campaigns/campaigns";
import { getCampaignOutcomes } from "@/lib/campaigns/stats";
import { ingestPostmarkEvent } from "@/lib/ingest/ingest";
import { postmarkEventSchema } from "@/lib/ingest/postmark-payload";
import { listMessageEvents } from "@/lib/messages/queries";
import { advanceSending } from "@/lib/sending/advance-sending";
import { sendSingleEmail } from "@/lib/sending/single-email";
import { deliveriesTo, sandboxRecords, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { createContact, createContactsBulk, createList, updateContact } from "./contacts";
import { eraseContact, eraseContacts, ERASED } from "./erase";
import { importContactsCsv } from "./import-csv";
import { setContactStatusByEmail } from "./test-support";

const bed = useSendingTestbed();
const UNKNOWN = "00000000-0000-4000-8000-000000000000";

/** Every text-like column of every table that holds `needle` (case-insensitive): where personal data is left. */
async function whereFound(db: DbOrTx, needle: string): Promise<string[]> {
  const columns = await db.execute<{ table_name: string; column_name: string }>(sql`
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
    where c.table_schema = 'public' and c.data_type in ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`);
  const found: string[] = [];
  for (const { table_name, column_name } of columns.rows) {
    const hit = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from ${sql.identifier(table_name)} where strpos(lower(${sql.identifier(column_name)}::text), ${needle.toLowerCase()}) > 0`,
    );
    if (hit.rows[0].n > 0) found.push(`${table_name}.${column_name}`);
  }
  return found;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

function postmarkEvent(type: "Delivery" | "Open", pm: string, email: string, at = new Date().toISOString()) {
  const base = { MessageID: pm, MessageStream: "broadcast", Metadata: { contact: email }, Tag: "t" };
  return postmarkEventSchema.parse(
    type === "Delivery"
      ? { RecordType: "Delivery", Recipient: email, DeliveredAt: at, Details: `smtp;250 ok ${email}`, ServerID: 1, ...base }
      : { RecordType: "Open", Recipient: email, ReceivedAt: at, FirstOpen: true, Platform: "Desktop", UserAgent: "UA", Geo: { City: "Oslo", IP: "192.0.2.1" }, ...base },
  );
}

describe("deleting a contact erases it (real PostgreSQL + Postmark sandbox)", () => {
  it("erases the address, name and fields everywhere, keeps every count, logs who and when, and keeps only a hash of an unsubscribed address", async () => {
    const db = bed.t.db;
    await db.insert(webhookEndpoints).values({
      url: "https://hooks.example.com/erase",
      events: ["Email.Sent", "Email.Delivered", "Email.Opened", "Contact.Updated", "Contact.Unsubscribed"],
      status: "active",
      rateLimit: 10,
      rateLimitPeriod: "second",
      secret: "s",
      verificationToken: "tok",
    });
    const list = await createList(db, { name: "Erase list" });
    const target = "Zelda.Quartermain@Erase.test";
    await createContactsBulk(db, [
      { email: target, name: "Zelda Quartermain", fields: { secret: "zq-field-value" }, list_ids: [list.id] },
      ...Array.from({ length: 4 }, (_, i) => ({ email: `other${i}@erase.test`, name: `Other ${i}`, list_ids: [list.id] })),
    ]);
    // A single email before anything else (personalised: its row keeps the rendered body).
    await sendSingleEmail(db, { to: target, subject: "For {{ name }}", html: "<p>Hi {{ name }} {{ fields.secret }}</p>", from: "f@postline.test", personalize: true }, bed.fixture.deps);
    const campaign = await createCampaign(db, { name: "Erase campaign", subject: "Hi {{ name }}", html: "<p>Hello {{ name }}</p>", list_ids: [list.id] }, { defaultFrom: "news@postline.test" });
    await startCampaignSend(db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
    await advanceSending(db, { budgetMs: 30_000 }, bed.fixture.deps);
    const [mine] = await db.select().from(messages).where(sql`${messages.campaignId} = ${campaign.id} and lower(${messages.toEmail}) = lower(${target})`);
    await ingestPostmarkEvent(db, postmarkEvent("Delivery", mine.postmarkMessageId!, target));
    await ingestPostmarkEvent(db, postmarkEvent("Open", mine.postmarkMessageId!, target));
    // An event whose message Postline does not know (an orphan) still carries the address.
    await ingestPostmarkEvent(db, postmarkEvent("Delivery", "orphan-pm-id", target));
    const [contact] = await db.select().from(contacts).where(sql`lower(${contacts.email}) = lower(${target})`);
    await updateContact(db, { id: contact.id, patch: { status: "unsubscribed" }, actor: "mia@postline.test" }, new Date());

    expect((await whereFound(db, target)).length).toBeGreaterThan(3);
    const before = {
      campaign: await getCampaignOrThrow(db, campaign.id),
      outcomes: await getCampaignOutcomes(db, campaign.id),
      statuses: (await db.execute(sql`select status, count(*)::int as n from messages group by status order by status`)).rows,
      events: await db.$count(messageEvents),
    };

    const result = await eraseContact(db, { contactId: contact.id, actor: "mia@postline.test" }, new Date("2030-05-01T10:00:00Z"));
    expect(result).toEqual({ erased: 1, suppressed: 1, messages: 2 });

    // Gone from every table: address, name, field value.
    expect(await whereFound(db, target)).toEqual([]);
    expect(await whereFound(db, "Zelda")).toEqual([]);
    expect(await whereFound(db, "zq-field-value")).toEqual([]);
    // Others are untouched.
    expect(await whereFound(db, "other1@erase.test")).not.toEqual([]);

    // Counts stand: the campaign's totals and outcome counters, every message row and its status, every event.
    expect(await getCampaignOrThrow(db, campaign.id)).toMatchObject({ recipientCount: before.campaign.recipientCount, sentCount: before.campaign.sentCount });
    expect(await getCampaignOutcomes(db, campaign.id)).toEqual(before.outcomes);
    expect((await db.execute(sql`select status, count(*)::int as n from messages group by status order by status`)).rows).toEqual(before.statuses);
    expect(await db.$count(messageEvents)).toBe(before.events);
    const [erasedMessage] = await db.select().from(messages).where(eq(messages.id, mine.id));
    expect(erasedMessage).toMatchObject({ toEmail: ERASED, subject: ERASED, contactId: null, status: "opened", postmarkMessageId: mine.postmarkMessageId, htmlBody: null });
    const events = await listMessageEvents(db, mine.id);
    expect(events.map((e) => e.recordType).sort()).toEqual(["Delivery", "Open"]);
    expect(events.every((e) => e.recipient === null && (e.raw as { Erased?: boolean }).Erased === true)).toBe(true);

    // Postmark reports a late open and click: stored (counted) without the address.
    await ingestPostmarkEvent(db, postmarkEvent("Open", mine.postmarkMessageId!, target, new Date(Date.now() + 86_400_000).toISOString()));
    expect(await db.$count(messageEvents)).toBe(before.events + 1);
    expect(await whereFound(db, target)).toEqual([]);
    expect(await whereFound(db, "192.0.2.1")).toEqual([]);

    // The log: who, when, which contact id, never the address.
    const log = await db.select().from(contactErasures).where(eq(contactErasures.contactId, contact.id));
    expect(log).toEqual([{ id: expect.any(Number), contactId: contact.id, erasedBy: "mia@postline.test", erasedAt: new Date("2030-05-01T10:00:00Z"), suppressed: true, messagesErased: 2 }]);
    // Only the hash of the normalised address is kept.
    expect(await db.select().from(suppressedAddresses).where(eq(suppressedAddresses.addressHash, sha256(target.toLowerCase())))).toMatchObject([{ status: "unsubscribed" }]);

    // Re-added by hand (any case), it comes back unsubscribed; a campaign to everyone skips it and never mails it.
    const back = await createContact(db, { email: target.toUpperCase(), list_ids: [list.id] });
    expect(back).toMatchObject({ status: "unsubscribed", statusReason: expect.stringContaining("unsubscribed before its contact was erased") });
    const sentBefore = sandboxRecords(bed.fixture.sandbox).filter((r) => r.to.toLowerCase() === target.toLowerCase()).length;
    const again = await createCampaign(db, { name: "After erasure", subject: "s", html: "<p>h</p>", list_ids: [list.id] }, { defaultFrom: "news@postline.test" });
    await startCampaignSend(db, { campaignId: again.id, stream: "broadcast" }, new Date());
    await advanceSending(db, { budgetMs: 30_000 }, bed.fixture.deps);
    expect(await getCampaignOrThrow(db, again.id)).toMatchObject({ status: "sent", sentCount: 4, suppressedCount: 1 });
    expect(sandboxRecords(bed.fixture.sandbox).filter((r) => r.to.toLowerCase() === target.toLowerCase()).length).toBe(sentBefore);
    expect(deliveriesTo(bed, ["other0@erase.test"]).missing).toEqual([]);
  });

  it("an import of an erased address respects the suppression list (bounced stays bounced); an existing contact is not touched", async () => {
    const db = bed.t.db;
    const c = await createContact(db, { email: "bounced@erase.test" });
    await setContactStatusByEmail(db, { email: "bounced@erase.test", status: "bounced", reason: "hard bounce" });
    await eraseContacts(db, { contactIds: [c.id], actor: "mia@postline.test" }, new Date());
    const report = await importContactsCsv(db, new TextEncoder().encode("email,name\nBounced@Erase.test,Back\nfresh@erase.test,Fresh\n"));
    expect(report).toMatchObject({ created: 2 });
    const rows = await db.select().from(contacts).where(sql`${contacts.email} ilike '%@erase.test' and ${contacts.email} not like 'other%' and ${contacts.email} not ilike 'zelda%'`);
    expect(Object.fromEntries(rows.map((r) => [r.email, r.status]))).toEqual({ "Bounced@Erase.test": "bounced", "fresh@erase.test": "subscribed" });
  });

  it("a subscribed contact leaves nothing behind: re-added, it is subscribed; erasing it lifts an old suppression", async () => {
    const db = bed.t.db;
    const c = await createContact(db, { email: "happy@erase.test" });
    expect(await eraseContacts(db, { contactIds: [c.id], actor: "mia@postline.test" }, new Date())).toEqual({ erased: 1, suppressed: 0, messages: 0 });
    expect(await db.$count(suppressedAddresses, eq(suppressedAddresses.addressHash, sha256("happy@erase.test")))).toBe(0);
    const back = await createContact(db, { email: "happy@erase.test" });
    expect(back.status).toBe("subscribed");

    // Unsubscribed, erased, re-added (suppressed), resubscribed by the marketer, erased again: no entry stays.
    const u = await createContact(db, { email: "turn@erase.test" });
    await updateContact(db, { id: u.id, patch: { status: "unsubscribed" }, actor: "m" }, new Date());
    await eraseContact(db, { contactId: u.id, actor: "m" }, new Date());
    const u2 = await createContact(db, { email: "turn@erase.test" });
    expect(u2.status).toBe("unsubscribed");
    await updateContact(db, { id: u2.id, patch: { status: "subscribed" }, actor: "m" }, new Date());
    await eraseContact(db, { contactId: u2.id, actor: "m" }, new Date());
    expect(await db.$count(suppressedAddresses, eq(suppressedAddresses.addressHash, sha256("turn@erase.test")))).toBe(0);
  });

  it("erases in bulk; unknown and malformed ids erase nothing, and one alone is not_found", async () => {
    const db = bed.t.db;
    const a = await createContact(db, { email: "bulk-a@erase.test" });
    const b = await createContact(db, { email: "bulk-b@erase.test" });
    expect(await eraseContacts(db, { contactIds: [a.id, b.id, UNKNOWN, "nope"], actor: "m" }, new Date())).toMatchObject({ erased: 2 });
    expect(await db.$count(contacts, sql`${contacts.id} in (${a.id}, ${b.id})`)).toBe(0);
    await expect(eraseContact(db, { contactId: UNKNOWN, actor: "m" }, new Date())).rejects.toMatchObject({ code: "not_found", status: 404 });
    await expect(eraseContact(db, { contactId: a.id, actor: "m" }, new Date())).rejects.toMatchObject({ code: "not_found" });
  });

  it("finds messages by contact, and by address only those without a contact (through the address index of those alone)", async () => {
    const db = bed.t.db;
    const row = (toEmail: string, contactId: string | null) => ({ kind: "single" as const, contactId, toEmail, fromEmail: "f@postline.test", subject: "s", messageStream: "outbound", status: "sent" as const });
    // Sent before the address was a contact (no contact id), in another case than the contact's.
    const [stranger] = await db.insert(messages).values(row("Early.Bird@Erase.test", null)).returning();
    const person = await createContact(db, { email: "early.bird@erase.test" });
    const [own] = await db.insert(messages).values(row("early.bird@erase.test", person.id)).returning();
    // A contact who had this address before moving to another: what went to it is that contact's history.
    const former = await createContact(db, { email: "moved-on@erase.test" });
    const [formers] = await db.insert(messages).values(row("early.bird@erase.test", former.id)).returning();

    // erase.ts's address arm, as it is written there, can be answered by messages_to_email_idx (which holds
    // only messages without a contact): the index's predicate is implied by the query's.
    const plan = await db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const rows = await tx.execute<{ "QUERY PLAN": string }>(
        sql`explain select m.id from messages m where m.contact_id is null and lower(m.to_email) in (select 'early.bird@erase.test'::text)`,
      );
      return rows.rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
    expect(plan).toContain("messages_to_email_idx");
    const [{ n }] = (await db.execute<{ n: number }>(sql`select count(*)::int as n from messages where contact_id is not null and lower(to_email) = 'early.bird@erase.test'`)).rows;
    expect(n).toBe(2);

    expect(await eraseContact(db, { contactId: person.id, actor: "m" }, new Date())).toMatchObject({ erased: 1, messages: 2 });
    const after = new Map((await db.select().from(messages).where(sql`${messages.id} in (${stranger.id}, ${own.id}, ${formers.id})`)).map((m) => [m.id, m.toEmail]));
    expect(after).toEqual(new Map([[stranger.id, ERASED], [own.id, ERASED], [formers.id, "early.bird@erase.test"]]));
  });

  it("a queued single email to the address is cancelled; a campaign still sending suppresses the erased recipient", async () => {
    const db = bed.t.db;
    const c = await createContact(db, { email: "queued@erase.test" });
    const [single] = await db
      .insert(messages)
      .values({ kind: "single", contactId: c.id, toEmail: "queued@erase.test", fromEmail: "f@postline.test", subject: "s", messageStream: "outbound", status: "queued" })
      .returning();
    const list = await createList(db, { name: "Sending list" });
    const d = await createContact(db, { email: "midsend@erase.test", list_ids: [list.id] });
    await createContact(db, { email: "midsend-other@erase.test", list_ids: [list.id] });
    const campaign = await createCampaign(db, { name: "Mid", subject: "s", html: "<p>h</p>", list_ids: [list.id] }, { defaultFrom: "news@postline.test" });
    await startCampaignSend(db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
    await eraseContacts(db, { contactIds: [c.id, d.id], actor: "m" }, new Date());
    expect((await db.select().from(messages).where(eq(messages.id, single.id)))[0]).toMatchObject({ status: "cancelled", toEmail: ERASED });
    await advanceSending(db, { budgetMs: 30_000 }, bed.fixture.deps);
    expect(await getCampaignOrThrow(db, campaign.id)).toMatchObject({ status: "sent", sentCount: 1, suppressedCount: 1 });
    expect(sandboxRecords(bed.fixture.sandbox).some((r) => r.to === "midsend@erase.test" || r.to === ERASED)).toBe(false);
    const [c2] = await db.select().from(campaigns).where(eq(campaigns.id, campaign.id));
    expect(c2.recipientCount).toBe(2);
  });
});
