import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createContactsBulk, createList } from "@/lib/contacts/contacts";
import { setContactStatusByEmail } from "@/lib/contacts/test-support";
import { advanceSending } from "@/lib/sending/advance-sending";
import { completeFinishedCampaigns } from "@/lib/sending/complete-campaigns";
import { deliveriesTo, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { cancelCampaign, claimCampaignSend, countAudience, createCampaign, getCampaignOrThrow, startCampaignSend } from "./campaigns";
import { FREEZE_CHUNKS, freezeAudience, freezeNextChunk, resumeFreezes } from "./freeze";

const bed = useSendingTestbed();
let seq = 0;

/** A draft to `n` new contacts (random ids: about n/16 in each chunk), every fifth one unsubscribed. */
async function draftTo(n: number) {
  const prefix = `f${++seq}`;
  const db = bed.t.db;
  const list = await createList(db, { name: `list-${prefix}` });
  const emails = Array.from({ length: n }, (_, i) => `${prefix}-${i}@freeze.test`);
  await createContactsBulk(db, emails.map((email) => ({ email, list_ids: [list.id] })));
  const unsubscribed = emails.filter((_, i) => i % 5 === 0);
  for (const email of unsubscribed) await setContactStatusByEmail(db, { email, status: "unsubscribed", reason: "test" });
  const campaign = await createCampaign(db, { name: prefix, subject: "Hi", html: "<p>Hi</p>", list_ids: [list.id] }, { defaultFrom: "news@postline.test" });
  const subscribed = emails.filter((e) => !unsubscribed.includes(e));
  return { campaign, emails, subscribed, unsubscribed };
}

/** Per contact address: how many message rows the campaign has, and their statuses. */
async function rowsOf(campaignId: string) {
  const rows = await bed.t.db.execute<{ to_email: string; status: string; n: number }>(sql`
    select to_email, min(status::text) as status, count(*)::int as n from messages where campaign_id = ${campaignId}::uuid group by to_email`);
  return rows.rows;
}

async function chunksDone(campaignId: string) {
  const [r] = (await bed.t.db.execute<{ done: number }>(sql`select count(*) filter (where done)::int as done from campaign_freeze_chunks where campaign_id = ${campaignId}::uuid`)).rows;
  return r.done;
}

const stream = "broadcast";

describe("freezing an audience in chunks (real PostgreSQL)", () => {
  it("a start that died after any number of chunks is resumed: everyone once, the counts are the rows", async () => {
    for (const diedAfter of [0, 1, 7, FREEZE_CHUNKS - 1]) {
      const { campaign, subscribed, unsubscribed } = await draftTo(320);
      const counted = await countAudience(bed.t.db, campaign.id);
      await claimCampaignSend(bed.t.db, { campaignId: campaign.id }, new Date());
      for (let i = 0; i < diedAfter; i++) expect(await freezeNextChunk(bed.t.db, { campaignId: campaign.id, stream })).toBe(true);
      // The process died here. The campaign is sending, still freezing, its counts not set yet; the
      // rows frozen so far are whole chunks; nothing closes it as sent meanwhile.
      expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ status: "sending", freezing: true, recipientCount: 0 });
      expect(await chunksDone(campaign.id)).toBe(diedAfter);
      expect(await completeFinishedCampaigns(bed.t.db, bed.fixture.deps)).not.toContain(campaign.id);

      expect((await resumeFreezes(bed.t.db, { stream })).frozen).toEqual([campaign.id]);
      const rows = await rowsOf(campaign.id);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(rows.filter((r) => r.status === "queued").map((r) => r.to_email).sort()).toEqual([...subscribed].sort());
      expect(rows.filter((r) => r.status === "suppressed").map((r) => r.to_email).sort()).toEqual([...unsubscribed].sort());
      expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ status: "sending", freezing: false, recipientCount: counted.recipients, suppressedCount: counted.suppressed });
      expect(await chunksDone(campaign.id)).toBe(FREEZE_CHUNKS);
      expect((await resumeFreezes(bed.t.db, { stream })).frozen).toEqual([]);
    }
  });

  it("a chunk that fails writes none of its rows; the resume freezes it, nobody twice", async () => {
    const { campaign, subscribed } = await draftTo(320);
    // A row already there for one contact makes its chunk's insert fail on the (campaign, contact) key.
    const [victim] = (await bed.t.db.execute<{ id: string; email: string }>(sql`select id, email from contacts where email = ${subscribed[3]}`)).rows;
    await claimCampaignSend(bed.t.db, { campaignId: campaign.id }, new Date());
    await bed.t.db.execute(sql`
      insert into messages (kind, campaign_id, contact_id, to_email, from_email, subject, message_stream, status)
      values ('campaign', ${campaign.id}::uuid, ${victim.id}::uuid, ${victim.email}, 'x@postline.test', 'stray', 'broadcast', 'cancelled')`);
    await expect(freezeAudience(bed.t.db, { campaignId: campaign.id, stream })).rejects.toThrow();
    const chunk = parseInt(victim.id[0], 16);
    const [inChunk] = (await bed.t.db.execute<{ n: number }>(sql`
      select count(*)::int as n from messages where campaign_id = ${campaign.id}::uuid and substr(contact_id::text, 1, 1) = ${victim.id[0]}`)).rows;
    expect(inChunk.n).toBe(1); // only the stray row: the failed chunk wrote nothing
    const [left] = (await bed.t.db.execute<{ done: boolean }>(sql`select done from campaign_freeze_chunks where campaign_id = ${campaign.id}::uuid and chunk = ${chunk}`)).rows;
    expect(left.done).toBe(false);
    expect((await getCampaignOrThrow(bed.t.db, campaign.id)).freezing).toBe(true);

    await bed.t.db.execute(sql`delete from messages where campaign_id = ${campaign.id}::uuid and subject = 'stray'`);
    expect((await resumeFreezes(bed.t.db, { stream })).frozen).toEqual([campaign.id]);
    const rows = await rowsOf(campaign.id);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(rows.filter((r) => r.status === "queued")).toHaveLength(subscribed.length);
    expect((await getCampaignOrThrow(bed.t.db, campaign.id)).recipientCount).toBe(subscribed.length);
  });

  it("freezers racing over one campaign share its chunks: everyone once, counted once", async () => {
    const { campaign, subscribed } = await draftTo(400);
    await claimCampaignSend(bed.t.db, { campaignId: campaign.id }, new Date());
    const results = await Promise.all([1, 2, 3].map(() => freezeAudience(bed.t.db, { campaignId: campaign.id, stream, freezers: 2 })));
    expect(results).toContain(true);
    expect((await rowsOf(campaign.id)).every((r) => r.n === 1)).toBe(true);
    expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ freezing: false, recipientCount: subscribed.length, suppressedCount: 400 - subscribed.length });
  });

  it("a campaign cancelled mid-freeze stops freezing; the rows frozen are cancelled, none left queued", async () => {
    const { campaign } = await draftTo(160);
    await claimCampaignSend(bed.t.db, { campaignId: campaign.id }, new Date());
    for (let i = 0; i < 3; i++) await freezeNextChunk(bed.t.db, { campaignId: campaign.id, stream });
    await cancelCampaign(bed.t.db, campaign.id, new Date());
    expect(await freezeNextChunk(bed.t.db, { campaignId: campaign.id, stream })).toBe(false);
    expect((await resumeFreezes(bed.t.db, { stream })).frozen).toEqual([]);
    expect(await chunksDone(campaign.id)).toBe(3);
    expect((await rowsOf(campaign.id)).filter((r) => r.status === "queued")).toEqual([]);
  });

  it("sending after a start that died mid-freeze: the cron finishes the freeze and sends everyone exactly once", async () => {
    const { campaign, subscribed } = await draftTo(600);
    await claimCampaignSend(bed.t.db, { campaignId: campaign.id }, new Date());
    for (let i = 0; i < 5; i++) await freezeNextChunk(bed.t.db, { campaignId: campaign.id, stream });
    const result = await advanceSending(bed.t.db, { budgetMs: 60_000 }, bed.fixture.deps);
    expect(result.frozen).toEqual([campaign.id]);
    expect(result.completed).toContain(campaign.id);
    expect(deliveriesTo(bed, subscribed)).toEqual({ missing: [], duplicated: [] });
    expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ status: "sent", freezing: false, recipientCount: subscribed.length, sentCount: subscribed.length });
  });

  it("startCampaignSend still freezes in one call, and an audience with nobody subscribed changes nothing", async () => {
    const { campaign, subscribed } = await draftTo(100);
    const started = await startCampaignSend(bed.t.db, { campaignId: campaign.id, stream }, new Date());
    expect(started).toMatchObject({ status: "sending", freezing: false, recipientCount: subscribed.length });
    const list = await createList(bed.t.db, { name: "nobody subscribed" });
    await createContactsBulk(bed.t.db, [{ email: "gone@freeze.test", list_ids: [list.id] }]);
    await setContactStatusByEmail(bed.t.db, { email: "gone@freeze.test", status: "unsubscribed", reason: "test" });
    const empty = await createCampaign(bed.t.db, { name: "empty", subject: "Hi", html: "<p>Hi</p>", list_ids: [list.id] }, { defaultFrom: "news@postline.test" });
    await expect(startCampaignSend(bed.t.db, { campaignId: empty.id, stream }, new Date())).rejects.toMatchObject({ code: "no_audience" });
    expect(await getCampaignOrThrow(bed.t.db, empty.id)).toMatchObject({ status: "draft", freezing: false });
    expect(await chunksDone(empty.id)).toBe(0);
  });
});
