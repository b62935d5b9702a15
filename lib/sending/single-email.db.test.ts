import { and, eq, inArray, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { messages, sendBatches } from "@/db/schema";
import { createContact } from "@/lib/contacts/contacts";
import { sandboxRecords, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { advanceSending } from "./advance-sending";
import { resolveUnsubscribeToken } from "./unsubscribe";
import { queueSingleEmail, sendQueuedSingles, sendSingleEmail } from "./single-email";

const bed = useSendingTestbed();

const recordOf = (postmarkMessageId: string | null) => sandboxRecords(bed.fixture.sandbox).find((r) => r.messageId === postmarkMessageId)!;

describe("single emails (real PostgreSQL + Postmark sandbox)", () => {
  it("sends on the transactional stream and stores the MessageID", async () => {
    const m = await sendSingleEmail(bed.t.db, { to: "one@single.test", from: "me@postline.test", subject: "Receipt", html: "<p>Thanks</p>", metadata: { order: "42" } }, bed.fixture.deps);
    expect(m).toMatchObject({ kind: "single", status: "sent", messageStream: "outbound" });
    const record = recordOf(m.postmarkMessageId);
    expect(record).toMatchObject({ to: "one@single.test", stream: "outbound", metadata: { order: "42", postline_message_id: m.id } });
    expect(record.textBody).toBe("Thanks");
  });

  it("marks a 406 as failed with Postmark's code", async () => {
    bed.fixture.sandbox.markInactive("dead@single.test", "outbound");
    const m = await sendSingleEmail(bed.t.db, { to: "dead@single.test", from: "me@postline.test", subject: "x", text: "x" }, bed.fixture.deps);
    expect(m).toMatchObject({ status: "failed", errorCode: 406 });
  });

  it("tracks opens and links (HtmlAndText) by default, as campaign mail", async () => {
    const m = await sendSingleEmail(bed.t.db, { to: "tracked@single.test", from: "me@postline.test", subject: "x", html: '<a href="https://e.test/">e</a>' }, bed.fixture.deps);
    expect(m).toMatchObject({ status: "sent", trackOpens: true, trackLinks: true });
    expect(recordOf(m.postmarkMessageId)).toMatchObject({ trackOpens: true, trackLinks: "HtmlAndText" });
  });

  it("turns open and link tracking off per message", async () => {
    const m = await sendSingleEmail(bed.t.db, { to: "quiet@single.test", from: "me@postline.test", subject: "x", text: "x", trackOpens: false, trackLinks: false }, bed.fixture.deps);
    expect(m).toMatchObject({ status: "sent", trackOpens: false, trackLinks: false });
    expect(recordOf(m.postmarkMessageId)).toMatchObject({ trackOpens: false, trackLinks: "None" });
  });

  it("keeps the tracking asked for when a throttled email goes out later", async () => {
    let now = new Date();
    const deps = { ...bed.fixture.deps, now: () => now, random: () => 0.5 };
    bed.fixture.sandbox.setFaults({ rate429: 1 });
    const queued = await sendSingleEmail(bed.t.db, { to: "later@single.test", from: "me@postline.test", subject: "x", text: "x", trackOpens: false, trackLinks: true }, deps);
    bed.fixture.sandbox.setFaults({});
    expect(queued.status).toBe("queued");
    now = new Date(now.getTime() + 60_000);
    await advanceSending(bed.t.db, { budgetMs: 10_000 }, deps);
    const [sent] = await bed.t.db.select().from(messages).where(eq(messages.id, queued.id));
    expect(sent.status).toBe("sent");
    expect(recordOf(sent.postmarkMessageId)).toMatchObject({ trackOpens: false, trackLinks: "HtmlAndText" });
  });

  describe("personalization", () => {
    it("renders the recipient's contact in subject and bodies, as a campaign does", async () => {
      await createContact(bed.t.db, { email: "Ada@Single.test", name: "Ada <3", fields: { city: "Paris" } });
      const m = await sendSingleEmail(bed.t.db, {
        to: "ada@single.test",
        from: "me@postline.test",
        subject: "Hello {{ name }}",
        html: "<p>Hello {{ name }} from {{ fields.city }}, {{ fields.zip | default: \"no zip\" }}</p>",
        text: "Hello {{name}} ({{ email }})",
        personalize: true,
      }, bed.fixture.deps);
      expect(m).toMatchObject({ status: "sent", subject: "Hello Ada <3", htmlBody: "<p>Hello Ada &lt;3 from Paris, no zip</p>", textBody: "Hello Ada <3 (ada@single.test)" });
      expect(recordOf(m.postmarkMessageId)).toMatchObject({ subject: "Hello Ada <3", htmlBody: "<p>Hello Ada &lt;3 from Paris, no zip</p>", textBody: "Hello Ada <3 (ada@single.test)" });
    });

    it("refuses an unknown variable with the campaigns' error, storing and sending nothing", async () => {
      const before = sandboxRecords(bed.fixture.sandbox).length;
      const send = sendSingleEmail(bed.t.db, { to: "ada@single.test", from: "me@postline.test", subject: "Hi", html: "<p>{{ first_name }}</p>", personalize: true }, bed.fixture.deps);
      await expect(send).rejects.toMatchObject({
        code: "invalid_template",
        status: 422,
        message: 'html: Unknown personalization variable "first_name": use name, email, unsubscribe_url or fields.<field>',
        details: { part: "html", variable: "first_name" },
      });
      expect(sandboxRecords(bed.fixture.sandbox).length).toBe(before);
      expect(await bed.t.db.select().from(messages).where(eq(messages.subject, "Hi"))).toEqual([]);
    });

    it("without a contact renders email, unsubscribe_url and defaults, and refuses a variable that needs the contact", async () => {
      const m = await sendSingleEmail(bed.t.db, {
        to: "stranger@single.test",
        from: "me@postline.test",
        subject: "Hi {{ name | default: \"there\" }}",
        text: "For {{ email }}. Stop: {{ unsubscribe_url }}",
        personalize: true,
      }, bed.fixture.deps);
      expect(m).toMatchObject({ status: "sent", subject: "Hi there" });
      const url = /Stop: (\S+)$/.exec(m.textBody!)![1];
      expect(m.textBody).toBe(`For stranger@single.test. Stop: ${url}`);
      const token = url.split("/u/")[1];
      expect(await resolveUnsubscribeToken(bed.t.db, { key: bed.fixture.deps.unsubscribeKey, token })).toMatchObject({ messageId: m.id, email: "stranger@single.test", contactId: null });

      await expect(sendSingleEmail(bed.t.db, { to: "stranger@single.test", from: "me@postline.test", subject: "Hi {{ name }}", text: "x", personalize: true }, bed.fixture.deps)).rejects.toMatchObject({
        code: "invalid_template",
        status: 422,
        details: { part: "subject", variable: "name" },
      });
    });

    it("leaves braces alone unless asked (alerts and test sends pass final text)", async () => {
      const m = await sendSingleEmail(bed.t.db, { to: "ada@single.test", from: "me@postline.test", subject: "Alert", text: "Template failed at {{ first_name }}" }, bed.fixture.deps);
      expect(recordOf(m.postmarkMessageId).textBody).toBe("Template failed at {{ first_name }}");
    });
  });

  describe("queued emails sent together", () => {
    const queue = (to: string) => queueSingleEmail(bed.t.db, { to, from: "me@postline.test", subject: `For ${to}`, text: "Confirm", trackOpens: false, trackLinks: false }, bed.fixture.deps);

    it("sends every due queued email in one batch call, each with its own answer", async () => {
      bed.fixture.sandbox.markInactive("gone@together.test", "outbound");
      const queued = [await queue("a@together.test"), await queue("gone@together.test"), await queue("b@together.test")];
      expect(await sendQueuedSingles(bed.t.db, { limit: 500 }, bed.fixture.deps)).toBe(3);
      const rows = await bed.t.db.select().from(messages).where(inArray(messages.id, queued.map((q) => q.id)));
      const byTo = new Map(rows.map((r) => [r.toEmail, r]));
      expect(byTo.get("a@together.test")).toMatchObject({ status: "sent" });
      expect(byTo.get("b@together.test")).toMatchObject({ status: "sent" });
      expect(byTo.get("gone@together.test")).toMatchObject({ status: "failed", errorCode: 406 });
      // One batch (one Postmark call) for the three, closed with its answer.
      expect(new Set(rows.map((r) => r.batchId)).size).toBe(1);
      const [batch] = await bed.t.db.select().from(sendBatches).where(eq(sendBatches.id, rows[0].batchId!));
      expect(batch).toMatchObject({ messageCount: 3, status: "done", campaignId: null });
      expect(recordOf(byTo.get("b@together.test")!.postmarkMessageId)).toMatchObject({ to: "b@together.test", subject: "For b@together.test", trackLinks: "None" });
      // Nothing left: a second call finds nothing due.
      expect(await sendQueuedSingles(bed.t.db, { limit: 500 }, bed.fixture.deps)).toBe(0);
    });

    it("takes at most the limit, oldest first, and leaves the rest queued", async () => {
      for (let i = 0; i < 5; i++) await queue(`n${i}@together.test`);
      expect(await sendQueuedSingles(bed.t.db, { limit: 2 }, bed.fixture.deps)).toBe(2);
      const left = await bed.t.db.select().from(messages).where(and(eq(messages.status, "queued"), like(messages.toEmail, "%@together.test")));
      expect(left).toHaveLength(3);
      expect(await sendQueuedSingles(bed.t.db, { limit: 500 }, bed.fixture.deps)).toBe(3);
    });

    it("puts a throttled batch back in the queue, and sends it when the wait is over", async () => {
      let now = new Date();
      const deps = { ...bed.fixture.deps, now: () => now, random: () => 0.5 };
      const queued = [await queue("t1@together.test"), await queue("t2@together.test")];
      bed.fixture.sandbox.setFaults({ rate429: 1 });
      expect(await sendQueuedSingles(bed.t.db, { limit: 500 }, deps)).toBe(2);
      bed.fixture.sandbox.setFaults({});
      const waiting = await bed.t.db.select().from(messages).where(inArray(messages.id, queued.map((q) => q.id)));
      expect(waiting.map((m) => m.status)).toEqual(["queued", "queued"]);
      expect(waiting.every((m) => m.nextAttemptAt && m.nextAttemptAt > now)).toBe(true);
      expect(await sendQueuedSingles(bed.t.db, { limit: 500 }, deps)).toBe(0);
      now = new Date(now.getTime() + 60_000);
      expect(await sendQueuedSingles(bed.t.db, { limit: 500 }, deps)).toBe(2);
      const sent = await bed.t.db.select().from(messages).where(inArray(messages.id, queued.map((q) => q.id)));
      expect(sent.map((m) => m.status)).toEqual(["sent", "sent"]);
      expect(sandboxRecords(bed.fixture.sandbox).filter((r) => r.to.startsWith("t") && r.to.endsWith("@together.test"))).toHaveLength(2);
    });
  });
});
