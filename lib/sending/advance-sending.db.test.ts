import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { campaigns, contacts, messages, sendBatches } from "@/db/schema";
import { getCampaignOrThrow } from "@/lib/campaigns/campaigns";
import { deliveriesTo, sandboxRecords, startedCampaignTo, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { advanceSending } from "./advance-sending";
import { POSTMARK_BATCH_LIMIT } from "./deps";
import { createUnsubscribeToken } from "./unsubscribe-token";
import { unsubscribeByToken } from "./unsubscribe";

const bed = useSendingTestbed();
afterEach(async () => {
  bed.fixture.sandbox.setFaults({});
});

async function batchSizes(campaignId: string): Promise<number[]> {
  const rows = await bed.t.db.select({ count: sendBatches.messageCount }).from(sendBatches).where(eq(sendBatches.campaignId, campaignId));
  return rows.map((r) => r.count);
}

describe("advancing campaign sending (real PostgreSQL + Postmark sandbox)", () => {
  it("sends every recipient once in batches of at most 500, personalised, with unsubscribe headers and our ids", async () => {
    const { campaign, emails } = await startedCampaignTo(bed, 1200);
    const result = await advanceSending(bed.t.db, { budgetMs: 60_000 }, bed.fixture.deps);
    expect(result.sent).toBe(1200);
    expect(result.completed).toContain(campaign.id);
    expect(deliveriesTo(bed, emails)).toEqual({ missing: [], duplicated: [] });
    // How many batches depends on timing: two workers that claim at the same moment share what is left
    // (SKIP LOCKED, see claim-batch.ts). What never changes: no batch above Postmark's limit, and
    // every message in exactly one batch that was sent.
    const sizes = await batchSizes(campaign.id);
    expect(sizes).toHaveLength(result.batches);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(POSTMARK_BATCH_LIMIT);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1200);

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

  it("one worker fills every batch: 1,200 recipients are batches of 500, 500 and 200", async () => {
    const { campaign } = await startedCampaignTo(bed, 1200);
    const result = await advanceSending(bed.t.db, { budgetMs: 60_000, concurrency: 1 }, bed.fixture.deps);
    expect(result).toMatchObject({ sent: 1200, batches: 3 });
    expect((await batchSizes(campaign.id)).sort((a, b) => b - a)).toEqual([500, 500, 200]);
  });

  it("backs off on 429 and sends everything once Postmark lets it through", async () => {
    const { campaign, emails } = await startedCampaignTo(bed, 50);
    let now = new Date();
    const deps = { ...bed.fixture.deps, now: () => now, random: () => 0.5 };
    bed.fixture.sandbox.setFaults({ rate429: 1 });
    const throttled = await advanceSending(bed.t.db, { budgetMs: 5_000, concurrency: 1 }, deps);
    expect(throttled.sent).toBe(0);
    const waiting = await bed.t.db.select().from(messages).where(eq(messages.campaignId, campaign.id));
    expect(waiting.every((m) => m.status === "queued" && m.nextAttemptAt && m.nextAttemptAt > now)).toBe(true);
    bed.fixture.sandbox.setFaults({});
    expect((await advanceSending(bed.t.db, { budgetMs: 5_000 }, deps)).sent).toBe(0); // still backing off
    now = new Date(now.getTime() + 60_000);
    expect((await advanceSending(bed.t.db, { budgetMs: 10_000 }, deps)).sent).toBe(50);
    expect(deliveriesTo(bed, emails)).toEqual({ missing: [], duplicated: [] });
  });

  it("skips a contact who unsubscribed after the audience was frozen", async () => {
    const { campaign, emails } = await startedCampaignTo(bed, 3);
    const [target] = await bed.t.db.select().from(messages).where(eq(messages.toEmail, emails[1]));
    const result = await unsubscribeByToken(bed.t.db, { key: bed.fixture.deps.unsubscribeKey, token: createUnsubscribeToken(bed.fixture.deps.unsubscribeKey, target.id), how: "one-click" }, new Date());
    expect(result.changed).toBe(true);
    await advanceSending(bed.t.db, { budgetMs: 10_000 }, bed.fixture.deps);
    expect(deliveriesTo(bed, [emails[1]]).missing).toEqual([emails[1]]);
    expect(deliveriesTo(bed, [emails[0], emails[2]]).missing).toEqual([]);
    const [skipped] = await bed.t.db.select().from(messages).where(eq(messages.id, target.id));
    expect(skipped).toMatchObject({ status: "suppressed", errorMessage: "Contact became unsubscribed before sending" });
    expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ status: "sent", sentCount: 2, suppressedCount: 1 });
  });

  it("records Postmark's 406 per message and suppresses the contact", async () => {
    const { campaign, emails } = await startedCampaignTo(bed, 2, "inactive");
    bed.fixture.sandbox.markInactive(emails[0], "broadcast");
    await advanceSending(bed.t.db, { budgetMs: 10_000 }, bed.fixture.deps);
    const [failed] = await bed.t.db.select().from(messages).where(eq(messages.toEmail, emails[0]));
    expect(failed).toMatchObject({ status: "failed", errorCode: 406 });
    const [contact] = await bed.t.db.select().from(contacts).where(eq(contacts.email, emails[0]));
    expect(contact.status).toBe("bounced");
    expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ sentCount: 1, failedCount: 1, status: "sent" });
  });

  it("pausing stops new batches; resuming finishes the campaign", async () => {
    const { campaign, emails } = await startedCampaignTo(bed, 30, "pausable");
    await bed.t.db.update(campaigns).set({ status: "paused" }).where(eq(campaigns.id, campaign.id));
    expect((await advanceSending(bed.t.db, { budgetMs: 5_000 }, bed.fixture.deps)).sent).toBe(0);
    await bed.t.db.update(campaigns).set({ status: "sending" }).where(eq(campaigns.id, campaign.id));
    expect((await advanceSending(bed.t.db, { budgetMs: 10_000 }, bed.fixture.deps)).sent).toBe(30);
    expect(deliveriesTo(bed, emails)).toEqual({ missing: [], duplicated: [] });
  });

  it("two sending runs racing over one campaign send each recipient once", async () => {
    const { campaign, emails } = await startedCampaignTo(bed, 2000, "race");
    const results = await Promise.all([advanceSending(bed.t.db, { budgetMs: 60_000 }, bed.fixture.deps), advanceSending(bed.t.db, { budgetMs: 60_000 }, bed.fixture.deps)]);
    expect(results[0].sent + results[1].sent).toBe(2000);
    expect(deliveriesTo(bed, emails)).toEqual({ missing: [], duplicated: [] });
    expect(Math.max(...(await batchSizes(campaign.id)))).toBeLessThanOrEqual(POSTMARK_BATCH_LIMIT);
  });
});
