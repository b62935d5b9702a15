import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { messages, sendBatches } from "@/db/schema";
import { startedCampaignTo, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { cancelCampaign } from "@/lib/campaigns/campaigns";
import { eraseContact, ERASED } from "@/lib/contacts/erase";
import { claimCampaignBatch } from "./claim-batch";
import { recordBatchResults } from "./record-results";

const bed = useSendingTestbed();

describe("claiming a campaign batch (real PostgreSQL)", () => {
  it("claims up to 500 queued messages into one batch, committed before anything is sent", async () => {
    const { campaign } = await startedCampaignTo(bed, 520);
    const claimed = await claimCampaignBatch(bed.t.db, { campaignId: campaign.id }, bed.fixture.deps);
    expect(claimed?.messages).toHaveLength(500);
    const rows = await bed.t.db.select({ status: messages.status, batchId: messages.batchId }).from(messages).where(eq(messages.campaignId, campaign.id));
    // In flight: still queued, carrying the batch (the claim rewrites nothing an index holds).
    expect(rows.filter((r) => r.status === "queued" && r.batchId === claimed!.batchId)).toHaveLength(500);
    expect(rows.filter((r) => r.status === "queued" && r.batchId === null)).toHaveLength(20);
    const [batch] = await bed.t.db.select({ ids: sendBatches.messageIds }).from(sendBatches).where(eq(sendBatches.id, claimed!.batchId));
    expect(new Set(batch.ids)).toEqual(new Set(claimed!.messages.map((m) => m.id)));
    // A second claim takes the 20 left, never one in flight.
    const second = await claimCampaignBatch(bed.t.db, { campaignId: campaign.id }, bed.fixture.deps);
    expect(second?.messages).toHaveLength(20);
    expect(second!.messages.some((m) => batch.ids!.includes(m.id))).toBe(false);
  });

  it("cancelling a campaign leaves the batch in flight to its answer: those are recorded as sent, only the waiting ones are cancelled", async () => {
    const { campaign } = await startedCampaignTo(bed, 30);
    const claimed = (await claimCampaignBatch(bed.t.db, { campaignId: campaign.id }, { ...bed.fixture.deps, batchSize: 20 }))!;
    await cancelCampaign(bed.t.db, campaign.id, new Date());
    // Postmark accepted the batch before the cancel reached it.
    const sent = await recordBatchResults(
      bed.t.db,
      { batchId: claimed.batchId, campaignId: campaign.id, results: claimed.messages.map((m, i) => ({ messageId: m.id, toEmail: m.toEmail, postmarkMessageId: `pm-cancel-${i}` })) },
      bed.fixture.deps,
    );
    expect(sent).toEqual({ sent: 20, failed: 0 });
    const rows = await bed.t.db.execute<{ status: string; n: number }>(sql`select status::text, count(*)::int as n from messages where campaign_id = ${campaign.id}::uuid group by 1 order by 1`);
    expect(rows.rows).toEqual([
      { status: "cancelled", n: 10 },
      { status: "sent", n: 20 },
    ]);
  });

  it("erasing a contact whose message is in flight leaves the message to its batch: Postmark's answer is recorded, and the address stays erased", async () => {
    const { campaign } = await startedCampaignTo(bed, 3);
    const claimed = (await claimCampaignBatch(bed.t.db, { campaignId: campaign.id }, bed.fixture.deps))!;
    const [target] = claimed.messages;
    await eraseContact(bed.t.db, { contactId: target.contactId!, actor: "test" }, new Date());
    // Postmark accepted the batch (with the address, sent before the erasure) before the erasure committed.
    const sent = await recordBatchResults(
      bed.t.db,
      { batchId: claimed.batchId, campaignId: campaign.id, results: claimed.messages.map((m, i) => ({ messageId: m.id, toEmail: m.toEmail, postmarkMessageId: `pm-erase-${i}` })) },
      bed.fixture.deps,
    );
    expect(sent).toEqual({ sent: 3, failed: 0 });
    const [row] = await bed.t.db.select({ status: messages.status, toEmail: messages.toEmail, pm: messages.postmarkMessageId }).from(messages).where(eq(messages.id, target.id));
    expect(row).toEqual({ status: "sent", toEmail: ERASED, pm: "pm-erase-0" });
  });

  it("never waits for nor takes messages another claim holds: a claim racing it gets what is left", async () => {
    // Two workers that claim at the same moment (likely when both finish a batch together) split the
    // messages still queued, so a campaign's batch count depends on timing; each batch stays ≤ 500.
    const { campaign } = await startedCampaignTo(bed, 200);
    await bed.t.db.transaction(async (other) => {
      // What a concurrent claim holds while its transaction is open.
      await other.execute(sql`select id from messages where campaign_id = ${campaign.id}::uuid order by id limit 50 for update`);
      const claimed = await claimCampaignBatch(bed.t.db, { campaignId: campaign.id }, bed.fixture.deps);
      expect(claimed?.messages).toHaveLength(150);
    });
    expect((await claimCampaignBatch(bed.t.db, { campaignId: campaign.id }, bed.fixture.deps))?.messages).toHaveLength(50);
  });
});
