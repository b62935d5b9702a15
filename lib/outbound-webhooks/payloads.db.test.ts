import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messages, webhookEndpoints } from "@/db/schema";
import { createCampaign } from "@/lib/campaigns/campaigns";
import { createContact } from "@/lib/contacts/contacts";
import { ingestPostmarkEvents, linkOrphanEvents, lockPostmarkIdsForWrite } from "@/lib/ingest/ingest";
import { postmarkEventSchema, type PostmarkEvent } from "@/lib/ingest/postmark-payload";
import { createUnsubscribeToken, unsubscribeKey } from "@/lib/sending/unsubscribe-token";
import { unsubscribeByToken } from "@/lib/sending/unsubscribe";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { WEBHOOK_EVENT_TYPES } from "./events";
import { enqueueEmailsSent } from "./outbox";

/**
 * The exact `data` of every payload built from a message or a Postmark event, for each path that
 * produces it: ingestion of a webhook, the same events linked later as orphans, dispatch's Email.Sent,
 * the unsubscribe link. Compared as jsonb text, which is what deliveries serialise: a change of key,
 * value or format fails here.
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.insert(webhookEndpoints).values({ url: "https://hooks.example.com/in", events: [...WEBHOOK_EVENT_TYPES], status: "active", rateLimit: 10, rateLimitPeriod: "second", secret: "s".repeat(40), verificationToken: "v" });
});
afterAll(() => t.drop());

const KEY = unsubscribeKey("k".repeat(32));
const SENT_AT = "2026-03-01T10:00:00.123Z";

let n = 0;
async function campaignMessage(pm: string | null) {
  const email = `r${++n}@payloads.test`;
  const contact = await createContact(t.db, { email });
  const campaign = await createCampaign(t.db, { name: `c${n}`, subject: "Spring", html: "<p>h</p>" }, { defaultFrom: "f@postline.test" });
  const [m] = await t.db
    .insert(messages)
    .values({ kind: "campaign", campaignId: campaign.id, contactId: contact.id, toEmail: email, fromEmail: "f@postline.test", subject: "Spring news", tag: "spring", messageStream: "broadcast", status: "sent", postmarkMessageId: pm, sentAt: new Date(SENT_AT) })
    .returning();
  return m;
}

/** One of each Postmark event that announces something, in the order they happen. */
function postmarkEvents(pm: string, email: string, bounceId: number): PostmarkEvent[] {
  const common = { MessageID: pm, MessageStream: "broadcast", Metadata: {}, Tag: "spring" };
  return [
    { RecordType: "Delivery", Recipient: email, DeliveredAt: "2026-03-01T10:00:01.5Z", Details: "smtp;250 2.0.0 OK" },
    { RecordType: "Open", Recipient: email, ReceivedAt: "2026-03-01T10:01:00.1234567Z", FirstOpen: true, Platform: "Desktop", Client: { Name: "Thunderbird" } },
    { RecordType: "Click", Recipient: email, ReceivedAt: "2026-03-01T10:02:00Z", OriginalLink: "https://e.test/a?b=1", ClickLocation: "HTML", Platform: "Mobile" },
    { RecordType: "Bounce", ID: bounceId, Type: "HardBounce", TypeCode: 1, Email: email, BouncedAt: "2026-03-01T10:03:00.000Z", Inactive: true, Description: "The server was unable to deliver your message" },
    { RecordType: "SpamComplaint", ID: bounceId + 1, Type: "SpamComplaint", TypeCode: 512, Email: email, BouncedAt: "2026-03-01T10:04:00Z" },
    { RecordType: "SubscriptionChange", Recipient: email, ChangedAt: "2026-03-01T10:05:00.9Z", SuppressSending: true, SuppressionReason: "ManualSuppression", Origin: "Recipient" },
  ].map((e) => postmarkEventSchema.parse({ ...common, ...e }));
}

/** What the outbox holds about one message: event name and data as jsonb text, oldest first. */
async function announced(messageId: string) {
  const rows = await t.db.execute<{ event: string; data: string }>(sql`
    select event, data::text as data from webhook_events where data->>'message_id' = ${messageId} order by occurred_at, event`);
  return rows.rows;
}

/** The jsonb text PostgreSQL gives an object: the bytes a delivery's body is built from. */
async function jsonbText(data: Record<string, unknown>): Promise<string> {
  const rows = await t.db.execute<{ text: string }>(sql`select ${JSON.stringify(data)}::jsonb::text as text`);
  return rows.rows[0].text;
}

function expectedFor(m: typeof messages.$inferSelect): { event: string; data: Record<string, unknown> }[] {
  const message = { message_id: m.id, postmark_message_id: m.postmarkMessageId, campaign_id: m.campaignId, contact_id: m.contactId, recipient: m.toEmail, subject: "Spring news", tag: "spring" };
  return [
    { event: "Email.Sent", data: { ...message, sent_at: SENT_AT } },
    { event: "Email.Delivered", data: { ...message, delivered_at: "2026-03-01T10:00:01.500Z", details: "smtp;250 2.0.0 OK" } },
    // The open carries no user agent (unknown); the click comes two minutes after delivery with no
    // person's open before it, which is how scanners behave (lib/engagement/rules.ts).
    { event: "Email.Opened", data: { ...message, opened_at: "2026-03-01T10:01:00.123Z", first_open: true, platform: "Desktop", client: "Thunderbird", machine: { class: "unknown", reasons: ["ua:empty"] } } },
    {
      event: "Email.Clicked",
      data: { ...message, clicked_at: "2026-03-01T10:02:00.000Z", link: "https://e.test/a?b=1", platform: "Mobile", machine: { class: "link_scanner", reasons: ["timing:click-within-180s-of-delivery", "pattern:click-before-open"] } },
    },
    { event: "Email.Bounced", data: { ...message, bounced_at: "2026-03-01T10:03:00.000Z", type: "HardBounce", description: "The server was unable to deliver your message", inactive: true } },
    { event: "Email.SpamComplaint", data: { ...message, complained_at: "2026-03-01T10:04:00.000Z" } },
    { event: "Contact.Unsubscribed", data: { contact_id: m.contactId, message_id: m.id, email: m.toEmail, reason: "Unsubscribed through Postmark", unsubscribed_at: "2026-03-01T10:05:00.900Z" } },
  ];
}

async function expectAnnounced(m: typeof messages.$inferSelect) {
  const expected = await Promise.all(expectedFor(m).map(async (e) => ({ event: e.event, data: await jsonbText(e.data) })));
  expect(await announced(m.id)).toEqual(expected);
}

describe("outbound payloads: each built in one place, the same whichever path produces it (real PostgreSQL)", () => {
  it("a webhook's events, announced when ingested", async () => {
    const pm = `pm-direct-${Date.now()}`;
    const m = await campaignMessage(pm);
    await t.db.transaction((tx) => enqueueEmailsSent(tx, [{ status: "sent", postmark_message_id: pm }]));
    const results = await ingestPostmarkEvents(t.db, postmarkEvents(pm, m.toEmail, 7_000_001).map((event) => ({ event })));
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill("stored"));
    await expectAnnounced(m);
  });

  it("the same events arriving before the message had its MessageID, announced when linked", async () => {
    const pm = `pm-orphan-${Date.now()}`;
    const m = await campaignMessage(null);
    const results = await ingestPostmarkEvents(t.db, postmarkEvents(pm, m.toEmail, 7_000_101).map((event) => ({ event, source: "reconciliation" as const })));
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill("orphan"));
    // What dispatch does when Postmark's answer arrives: lock the id, write it, announce, link.
    await t.db.transaction(async (tx) => {
      await lockPostmarkIdsForWrite(tx, [pm]);
      await tx.update(messages).set({ postmarkMessageId: pm }).where(eq(messages.id, m.id));
      await enqueueEmailsSent(tx, [{ status: "sent", postmark_message_id: pm }]);
      expect(await linkOrphanEvents(tx, [pm])).toBe(6);
    });
    await expectAnnounced({ ...m, postmarkMessageId: pm });
  });

  it("Contact.Unsubscribed from the unsubscribe link has the webhook's shape, with the link's reason", async () => {
    const pm = `pm-link-${Date.now()}`;
    const m = await campaignMessage(pm);
    const at = new Date("2026-03-01T10:05:00.900Z");
    await unsubscribeByToken(t.db, { key: KEY, token: createUnsubscribeToken(KEY, m.id), how: "page" }, at);
    const webhookShape = expectedFor(m).find((e) => e.event === "Contact.Unsubscribed")!.data;
    expect(await announced(m.id)).toEqual([{ event: "Contact.Unsubscribed", data: await jsonbText({ ...webhookShape, reason: "Unsubscribe link" }) }]);
  });
});
