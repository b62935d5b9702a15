import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { campaigns, contacts, messages, sendBatches } from "@/db/schema";
import { createCampaign, getCampaignOrThrow, startCampaignSend } from "@/lib/campaigns/campaigns";
import { createContactsBulk, createList, setContactStatusByEmail } from "@/lib/contacts/contacts";
import { sandboxRecords, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { advanceSending } from "./advance-sending";
import { claimCampaignBatch } from "./claim-batch";
import type { SendingDeps } from "./deps";
import { recoverOpenBatches } from "./recover-batches";
import { sendSingleEmail } from "./single-email";
import { createUnsubscribeToken } from "./unsubscribe-token";
import { unsubscribeByToken } from "./unsubscribe";
import { getCampaignOutcomes } from "@/lib/campaigns/stats";

const bed = useSendingTestbed();
afterEach(async () => {
  bed.fixture.sandbox.setFaults({});
});

let seq = 0;
async function campaignWith(n: number, prefix = `c${++seq}`) {
  const list = await createList(bed.t.db, { name: `list-${prefix}` });
  const rows = Array.from({ length: n }, (_, i) => ({ email: `${prefix}-${i}@dispatch.test`, name: `Person ${i}`, fields: { n: String(i) }, list_ids: [list.id] }));
  for (let i = 0; i < rows.length; i += 5000) await createContactsBulk(bed.t.db, rows.slice(i, i + 5000));
  const campaign = await createCampaign(
    bed.t.db,
    { name: prefix, subject: "Hi {{ name }}", html: "<p>Hello {{ name }} #{{ fields.n }}</p>", list_ids: [list.id] },
    { defaultFrom: "news@postline.test" },
  );
  await startCampaignSend(bed.t.db, campaign.id, { stream: "broadcast" });
  return { campaign, list, emails: rows.map((r) => r.email) };
}

/** What the sandbox itself recorded for these addresses: the ground truth for duplicates and gaps. */
function deliveriesTo(emails: string[]) {
  const wanted = new Set(emails);
  const counts = new Map<string, number>();
  for (const r of sandboxRecords(bed.fixture.sandbox)) if (wanted.has(r.to)) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
  return { missing: emails.filter((e) => !counts.has(e)), duplicated: [...counts].filter(([, n]) => n > 1).map(([e]) => e) };
}

describe("campaign dispatch (real PostgreSQL + Postmark sandbox)", () => {
  it("sends every recipient once in batches of at most 500, personalised, with unsubscribe headers and our ids", async () => {
    const { campaign, emails } = await campaignWith(1200);
    const result = await advanceSending(bed.t.db, bed.fixture.deps, { budgetMs: 60_000 });
    expect(result.sent).toBe(1200);
    expect(result.batches).toBe(3);
    expect(result.completed).toContain(campaign.id);
    expect(deliveriesTo(emails)).toEqual({ missing: [], duplicated: [] });

    const c = await getCampaignOrThrow(bed.t.db, campaign.id);
    expect(c).toMatchObject({ status: "sent", recipientCount: 1200, sentCount: 1200, failedCount: 0 });
    const rows = await bed.t.db.select().from(messages).where(eq(messages.campaignId, campaign.id));
    expect(new Set(rows.map((r) => r.postmarkMessageId)).size).toBe(1200);
    expect(rows.every((r) => r.status === "sent" && r.sentAt)).toBe(true);

    const record = sandboxRecords(bed.fixture.sandbox).find((r) => r.to === emails[7])!;
    const mine = rows.find((r) => r.toEmail === emails[7])!;
    expect(record.metadata.postline_message_id).toBe(mine.id);
    expect(record.messageId).toBe(mine.postmarkMessageId);
    expect(record.stream).toBe("broadcast");
    expect(record.subject).toBe("Hi Person 7");
    expect(record.htmlBody).toContain("Hello Person 7 #7");
    expect(record.htmlBody).toContain(`/u/${createUnsubscribeToken(bed.fixture.deps.unsubscribeKey, mine.id)}`);
    expect(record.headers).toEqual(
      expect.arrayContaining([
        { Name: "List-Unsubscribe", Value: expect.stringMatching(/^<http:\/\/127\.0\.0\.1:3999\/u\/.+>$/) },
        { Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click" },
      ]),
    );
  });

  it("resolves a batch Postmark accepted but whose answer was lost, without sending it again", async () => {
    const { campaign, emails } = await campaignWith(300);
    let now = new Date();
    // The call reaches Postmark, then the connection dies before we read the answer.
    const lossy: SendingDeps = {
      ...bed.fixture.deps,
      now: () => now,
      postmark: new Proxy(bed.fixture.deps.postmark, {
        get(target, prop, receiver) {
          if (prop === "sendEmailBatch") {
            return async (msgs: unknown[]) => {
              await target.sendEmailBatch(msgs as never);
              throw Object.assign(new Error("socket hang up"), { statusCode: 0 });
            };
          }
          return Reflect.get(target, prop, receiver);
        },
      }),
    };
    const first = await advanceSending(bed.t.db, lossy, { budgetMs: 10_000, concurrency: 1 });
    expect(first.sent).toBe(0);
    const [open] = await bed.t.db.select().from(sendBatches).where(eq(sendBatches.campaignId, campaign.id));
    expect(open.status).toBe("uncertain");
    expect(deliveriesTo(emails).missing).toEqual([]);

    // Nothing is resent before the check is due …
    const early = await advanceSending(bed.t.db, { ...bed.fixture.deps, now: () => now }, { budgetMs: 10_000 });
    expect(early.sent).toBe(0);
    // … and when it is, Postmark's search proves every message was accepted: all adopted, none resent.
    now = new Date(now.getTime() + 10 * 60_000);
    const later = await advanceSending(bed.t.db, { ...bed.fixture.deps, now: () => now }, { budgetMs: 10_000 });
    expect(later.recovered).toMatchObject({ adopted: 300, requeued: 0 });
    expect(deliveriesTo(emails)).toEqual({ missing: [], duplicated: [] });
    expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ status: "sent", sentCount: 300 });
  });

  it("sends a batch claimed by a worker that died before calling Postmark", async () => {
    const { campaign, emails } = await campaignWith(40);
    let now = new Date();
    const deps = { ...bed.fixture.deps, now: () => now };
    const claimed = await claimCampaignBatch(bed.t.db, deps, campaign.id);
    expect(claimed?.messages).toHaveLength(40);
    // The worker dies here. Another worker sees nothing to claim until the batch is overdue.
    expect((await advanceSending(bed.t.db, deps, { budgetMs: 5_000 })).sent).toBe(0);
    now = new Date(now.getTime() + 10 * 60_000);
    const recovered = await recoverOpenBatches(bed.t.db, deps);
    expect(recovered).toMatchObject({ batches: 1, adopted: 0, requeued: 40 });
    expect((await advanceSending(bed.t.db, deps, { budgetMs: 10_000 })).sent).toBe(40);
    expect(deliveriesTo(emails)).toEqual({ missing: [], duplicated: [] });
  });

  it("backs off on 429 and sends everything once Postmark lets it through", async () => {
    const { campaign, emails } = await campaignWith(50);
    let now = new Date();
    const deps = { ...bed.fixture.deps, now: () => now, random: () => 0.5 };
    bed.fixture.sandbox.setFaults({ rate429: 1 });
    const throttled = await advanceSending(bed.t.db, deps, { budgetMs: 5_000, concurrency: 1 });
    expect(throttled.sent).toBe(0);
    const waiting = await bed.t.db.select().from(messages).where(eq(messages.campaignId, campaign.id));
    expect(waiting.every((m) => m.status === "queued" && m.nextAttemptAt && m.nextAttemptAt > now)).toBe(true);
    bed.fixture.sandbox.setFaults({});
    expect((await advanceSending(bed.t.db, deps, { budgetMs: 5_000 })).sent).toBe(0); // still backing off
    now = new Date(now.getTime() + 60_000);
    expect((await advanceSending(bed.t.db, deps, { budgetMs: 10_000 })).sent).toBe(50);
    expect(deliveriesTo(emails)).toEqual({ missing: [], duplicated: [] });
  });

  it("skips a contact who unsubscribed after the audience was frozen", async () => {
    const { campaign, emails } = await campaignWith(3);
    const [target] = await bed.t.db.select().from(messages).where(eq(messages.toEmail, emails[1]));
    const result = await unsubscribeByToken(bed.t.db, bed.fixture.deps.unsubscribeKey, createUnsubscribeToken(bed.fixture.deps.unsubscribeKey, target.id), "one-click");
    expect(result.changed).toBe(true);
    await advanceSending(bed.t.db, bed.fixture.deps, { budgetMs: 10_000 });
    expect(deliveriesTo([emails[1]]).missing).toEqual([emails[1]]);
    expect(deliveriesTo([emails[0], emails[2]]).missing).toEqual([]);
    const [skipped] = await bed.t.db.select().from(messages).where(eq(messages.id, target.id));
    expect(skipped).toMatchObject({ status: "suppressed", errorMessage: "Contact became unsubscribed before sending" });
    expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ status: "sent", sentCount: 2, suppressedCount: 1 });
  });

  it("an unsubscribe from a sent message ends it as unsubscribed and counts once in the campaign's totals", async () => {
    const { campaign, emails } = await campaignWith(2);
    await advanceSending(bed.t.db, bed.fixture.deps, { budgetMs: 10_000 });
    const [target] = await bed.t.db.select().from(messages).where(eq(messages.toEmail, emails[0]));
    const token = createUnsubscribeToken(bed.fixture.deps.unsubscribeKey, target.id);
    expect((await unsubscribeByToken(bed.t.db, bed.fixture.deps.unsubscribeKey, token, "page")).changed).toBe(true);
    expect((await unsubscribeByToken(bed.t.db, bed.fixture.deps.unsubscribeKey, token, "one-click")).changed).toBe(false);
    const [after] = await bed.t.db.select().from(messages).where(eq(messages.id, target.id));
    expect(after.status).toBe("unsubscribed");
    expect((await getCampaignOutcomes(bed.t.db, campaign.id)).unsubscribed).toBe(1);
  });

  it("records Postmark's 406 per message and suppresses the contact", async () => {
    const { campaign, emails } = await campaignWith(2, "inactive");
    bed.fixture.sandbox.markInactive(emails[0], "broadcast");
    await advanceSending(bed.t.db, bed.fixture.deps, { budgetMs: 10_000 });
    const [failed] = await bed.t.db.select().from(messages).where(eq(messages.toEmail, emails[0]));
    expect(failed).toMatchObject({ status: "failed", errorCode: 406 });
    const [contact] = await bed.t.db.select().from(contacts).where(eq(contacts.email, emails[0]));
    expect(contact.status).toBe("bounced");
    expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ sentCount: 1, failedCount: 1, status: "sent" });
  });

  it("pausing stops new batches; resuming finishes the campaign", async () => {
    const { campaign, emails } = await campaignWith(30, "pausable");
    await bed.t.db.update(campaigns).set({ status: "paused" }).where(eq(campaigns.id, campaign.id));
    expect((await advanceSending(bed.t.db, bed.fixture.deps, { budgetMs: 5_000 })).sent).toBe(0);
    await bed.t.db.update(campaigns).set({ status: "sending" }).where(eq(campaigns.id, campaign.id));
    expect((await advanceSending(bed.t.db, bed.fixture.deps, { budgetMs: 10_000 })).sent).toBe(30);
    expect(deliveriesTo(emails)).toEqual({ missing: [], duplicated: [] });
  });

  it("two dispatchers racing over one campaign send each recipient once", async () => {
    const { emails } = await campaignWith(2000, "race");
    const results = await Promise.all([advanceSending(bed.t.db, bed.fixture.deps, { budgetMs: 60_000 }), advanceSending(bed.t.db, bed.fixture.deps, { budgetMs: 60_000 })]);
    expect(results[0].sent + results[1].sent).toBe(2000);
    expect(deliveriesTo(emails)).toEqual({ missing: [], duplicated: [] });
  });
});

describe("single emails", () => {
  it("sends on the transactional stream and stores the MessageID", async () => {
    const m = await sendSingleEmail(bed.t.db, bed.fixture.deps, { to: "one@single.test", from: "me@postline.test", subject: "Receipt", html: "<p>Thanks</p>", metadata: { order: "42" } });
    expect(m).toMatchObject({ kind: "single", status: "sent", messageStream: "outbound" });
    const record = sandboxRecords(bed.fixture.sandbox).find((r) => r.messageId === m.postmarkMessageId)!;
    expect(record).toMatchObject({ to: "one@single.test", stream: "outbound", metadata: { order: "42", postline_message_id: m.id } });
    expect(record.textBody).toBe("Thanks");
  });

  it("marks a 406 as failed with Postmark's code", async () => {
    bed.fixture.sandbox.markInactive("dead@single.test", "outbound");
    const m = await sendSingleEmail(bed.t.db, bed.fixture.deps, { to: "dead@single.test", from: "me@postline.test", subject: "x", text: "x" });
    expect(m).toMatchObject({ status: "failed", errorCode: 406 });
  });

  it("keeps an unanswered single email open and adopts it later instead of resending", async () => {
    let now = new Date();
    bed.fixture.sandbox.setFaults({ rate5xx: 1 });
    const m = await sendSingleEmail(bed.t.db, { ...bed.fixture.deps, now: () => now }, { to: "maybe@single.test", from: "me@postline.test", subject: "x", text: "x" });
    expect(m.status).toBe("sending");
    bed.fixture.sandbox.setFaults({});
    now = new Date(now.getTime() + 10 * 60_000);
    await advanceSending(bed.t.db, { ...bed.fixture.deps, now: () => now }, { budgetMs: 5_000 });
    const [after] = await bed.t.db.select().from(messages).where(eq(messages.id, m.id));
    // The sandbox's 5xx refused the message, so the search finds nothing and it is sent exactly once.
    expect(after.status).toBe("sent");
    expect(deliveriesTo(["maybe@single.test"])).toEqual({ missing: [], duplicated: [] });
  });
});

void sql;
