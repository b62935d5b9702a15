import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { contacts, messageEvents, messages } from "@/db/schema";
import { createContact } from "@/lib/contacts/contacts";
import { ingestPostmarkEvent } from "@/lib/ingest/ingest";
import { postmarkEventSchema } from "@/lib/ingest/postmark-payload";
import { sendSingleEmail } from "@/lib/sending/single-email";
import { useSendingTestbed } from "@/lib/tooling/testing/sending";
import { resyncMessage } from "./resync";

const bed = useSendingTestbed();

async function sendAndSettle(to: string) {
  await createContact(bed.t.db, { email: to }).catch(() => {});
  const m = await sendSingleEmail(bed.t.db, { to, from: "me@postline.test", subject: "s", html: '<p><a href="https://example.com/x">x</a></p>' }, bed.fixture.deps);
  expect(m.status).toBe("sent");
  // At the sandbox's fast pace a click comes 11–12 s after delivery.
  await bed.fixture.sandbox.flushWebhooks({ timeoutMs: 30_000 });
  return m;
}

describe("resync from Postmark's Messages API (sandbox, real PostgreSQL)", () => {
  it("recovers delivery, open and click that no webhook reported, marked as reconciliation; a second run adds nothing", async () => {
    const m = await sendAndSettle("click.silent+1@resync.test");
    const first = await resyncMessage(bed.t.db, { messageId: m.id }, bed.fixture.deps);
    expect(first.recovered).toBe(3);
    const [after] = await bed.t.db.select().from(messages).where(eq(messages.id, m.id));
    expect(after).toMatchObject({ status: "clicked", openCount: 1, clickCount: 1 });
    expect(after.deliveredAt).not.toBeNull();
    const events = await bed.t.db.select().from(messageEvents).where(eq(messageEvents.messageId, m.id));
    expect(events.map((e) => [e.recordType, e.source]).sort()).toEqual([["Click", "reconciliation"], ["Delivery", "reconciliation"], ["Open", "reconciliation"]]);
    const again = await resyncMessage(bed.t.db, { messageId: m.id }, bed.fixture.deps);
    expect(again.recovered).toBe(0);
    expect(await bed.t.db.$count(messageEvents, eq(messageEvents.messageId, m.id))).toBe(3);
  });

  it("does not duplicate an event a webhook already brought (same event key both ways)", async () => {
    const m = await sendAndSettle("open.silent+2@resync.test");
    // The Delivery webhook arrived after all: the same payload the sandbox would have posted.
    const [row] = await bed.t.db.select().from(messages).where(eq(messages.id, m.id));
    const sandboxMessage = bed.fixture.sandbox.getMessage(row.postmarkMessageId!)!;
    const delivered = sandboxMessage.events.find((e) => e.recordType === "Delivery")!;
    await ingestPostmarkEvent(bed.t.db, postmarkEventSchema.parse({ RecordType: "Delivery", MessageID: row.postmarkMessageId, Recipient: delivered.recipient, DeliveredAt: delivered.at, Metadata: {}, MessageStream: "outbound" }));
    const r = await resyncMessage(bed.t.db, { messageId: m.id }, bed.fixture.deps);
    expect(r.recovered).toBe(1); // the open only
    const events = await bed.t.db.select().from(messageEvents).where(eq(messageEvents.messageId, m.id));
    expect(events.map((e) => `${e.recordType}:${e.source}`).sort()).toEqual(["Delivery:webhook", "Open:reconciliation"]);
  });

  it("recovers a hard bounce and a spam complaint, suppressing the contacts", async () => {
    const bounced = await sendAndSettle("hardbounce.silent+3@resync.test");
    await resyncMessage(bed.t.db, { messageId: bounced.id }, bed.fixture.deps);
    const [b] = await bed.t.db.select().from(messages).where(eq(messages.id, bounced.id));
    expect(b.status).toBe("bounced");
    expect((await bed.t.db.select().from(contacts).where(eq(contacts.email, "hardbounce.silent+3@resync.test")))[0].status).toBe("bounced");

    const spam = await sendAndSettle("spam.silent+4@resync.test");
    await resyncMessage(bed.t.db, { messageId: spam.id }, bed.fixture.deps);
    const [s] = await bed.t.db.select().from(messages).where(eq(messages.id, spam.id));
    expect(s.status).toBe("spam_complaint");
    const kinds = (await bed.t.db.select().from(messageEvents).where(eq(messageEvents.messageId, spam.id))).map((e) => e.recordType).sort();
    expect(kinds).toContain("SpamComplaint");
    expect((await bed.t.db.select().from(contacts).where(eq(contacts.email, "spam.silent+4@resync.test")))[0].status).toBe("complained");
  });

  it("refuses a message Postmark never got, and an unknown id", async () => {
    const [queued] = await bed.t.db.insert(messages).values({ kind: "single", toEmail: "q@resync.test", fromEmail: "f@x.test", subject: "s", messageStream: "outbound" }).returning();
    await expect(resyncMessage(bed.t.db, { messageId: queued.id }, bed.fixture.deps)).rejects.toMatchObject({ code: "not_sent", status: 409 });
    await expect(resyncMessage(bed.t.db, { messageId: "00000000-0000-4000-8000-000000000000" }, bed.fixture.deps)).rejects.toMatchObject({ status: 404 });
  });
});
