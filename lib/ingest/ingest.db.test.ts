import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts, messageEvents, messages } from "@/db/schema";
import { createCampaign } from "@/lib/campaigns/campaigns";
import { getCampaignOutcomes } from "@/lib/campaigns/stats";
import { createContact } from "@/lib/contacts/contacts";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { sharedDir } from "@/lib/postmark-sandbox/test-support";
import { ingestPostmarkEvent, linkOrphanEvents } from "./ingest";
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
        const [{ id }] = (await t.db.execute<{ id: string }>(`select raw->>'ID' as id from message_events where id = ${row.id}`)).rows;
        expect(id).toBe("4323372036854775807");
      }
      expect(row.raw).toEqual(JSON.parse(rawText));
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
