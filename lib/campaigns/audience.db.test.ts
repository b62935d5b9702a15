import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messages } from "@/db/schema";
import { createContact, createList } from "@/lib/contacts/contacts";
import { createTag, deleteTag, tagContacts } from "@/lib/contacts/tags";
import { setContactStatusByEmail } from "@/lib/contacts/test-support";
import { createSegment, deleteSegment } from "@/lib/segments/segments";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { countTargets, getCampaignTargets, NO_TARGETS } from "./audience";
import { countAudience, createCampaign, duplicateCampaign, getCampaignListIds, patchCampaign, startCampaignSend } from "./campaigns";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const base = { name: "Targeted", subject: "Hi", html: "<p>Hi</p>" };
const opts = { defaultFrom: "news@postline.test" };
const now = new Date();

async function sentTo(campaignId: string) {
  const rows = await t.db.select({ email: messages.toEmail, status: messages.status }).from(messages).where(eq(messages.campaignId, campaignId));
  return rows.map((r) => `${r.email}:${r.status}`).sort();
}

describe("campaign targeting: lists, tags, segments and exclusions (real PostgreSQL)", () => {
  it("the audience is the union of lists, tags and segments minus exclusions; the count shown is what is sent", async () => {
    const news = await createList(t.db, { name: "News" });
    const vip = await createTag(t.db, { name: "VIP" });
    const staff = await createTag(t.db, { name: "Staff" });
    const people = {
      ann: await createContact(t.db, { email: "ann@aud.test", list_ids: [news.id] }),
      bob: await createContact(t.db, { email: "bob@aud.test", fields: { city: "Berlin" } }),
      cy: await createContact(t.db, { email: "cy@aud.test" }),
      dee: await createContact(t.db, { email: "dee@aud.test", list_ids: [news.id], fields: { city: "Berlin" } }),
      eve: await createContact(t.db, { email: "eve@aud.test", fields: { city: "Berlin" } }),
      fay: await createContact(t.db, { email: "fay@aud.test", fields: { city: "Rome" } }),
    };
    await tagContacts(t.db, { contactIds: [people.cy.id, people.dee.id], tagIds: [vip.id] }, now);
    await tagContacts(t.db, { contactIds: [people.dee.id], tagIds: [staff.id] }, now);
    await setContactStatusByEmail(t.db, { email: "eve@aud.test", status: "unsubscribed", reason: "test" });
    const berlin = await createSegment(t.db, { name: "Berlin", definition: { match: "all", conditions: [{ type: "field", key: "city", op: "equals", value: "Berlin" }] } }, now);
    const rome = await createSegment(t.db, { name: "Rome", definition: { match: "all", conditions: [{ type: "field", key: "city", op: "equals", value: "Rome" }] } }, now);

    // News (ann, dee) + VIP (cy, dee) + Berlin (bob, dee, eve unsubscribed) - Staff (dee).
    const campaign = await createCampaign(t.db, { ...base, list_ids: [news.id], tag_ids: [vip.id], segment_ids: [berlin.id], exclude_tag_ids: [staff.id] }, opts);
    expect(await getCampaignTargets(t.db, campaign.id)).toEqual({ ...NO_TARGETS, listIds: [news.id], tagIds: [vip.id], segmentIds: [berlin.id], excludeTagIds: [staff.id] });
    expect(await getCampaignListIds(t.db, campaign.id)).toEqual([news.id]);
    const counted = await countAudience(t.db, campaign.id);
    expect(counted).toEqual({ recipients: 3, suppressed: 1 });
    const sent = await startCampaignSend(t.db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
    expect({ recipients: sent.recipientCount, suppressed: sent.suppressedCount }).toEqual(counted);
    expect(await sentTo(campaign.id)).toEqual(["ann@aud.test:queued", "bob@aud.test:queued", "cy@aud.test:queued", "eve@aud.test:suppressed"]);

    // Excluding a segment; an edit that leaves targets out keeps them (PATCH), one that names one changes only it.
    const second = await createCampaign(t.db, { ...base, segment_ids: [berlin.id, rome.id], exclude_segment_ids: [] }, opts);
    await patchCampaign(t.db, { id: second.id, exclude_list_ids: [news.id] }, new Date());
    expect(await getCampaignTargets(t.db, second.id)).toMatchObject({ segmentIds: [berlin.id, rome.id].sort(), excludeListIds: [news.id] });
    expect(await countTargets(t.db, await getCampaignTargets(t.db, second.id), now)).toEqual({ recipients: 2, suppressed: 1 }); // bob, fay; eve
    await patchCampaign(t.db, { id: second.id, exclude_segment_ids: [rome.id], segment_ids: [berlin.id] }, new Date());
    expect(await countAudience(t.db, second.id)).toEqual({ recipients: 1, suppressed: 1 }); // bob; eve

    // Only exclusions: everyone minus them.
    const everyoneBut = await createCampaign(t.db, { ...base, exclude_segment_ids: [berlin.id] }, opts);
    expect(await countAudience(t.db, everyoneBut.id)).toEqual({ recipients: 3, suppressed: 0 }); // ann, cy, fay

    // A copy targets the same; a target in use by a draft cannot be deleted.
    const copy = await duplicateCampaign(t.db, { campaignId: second.id }, new Date());
    expect(await getCampaignTargets(t.db, copy.id)).toEqual(await getCampaignTargets(t.db, second.id));
    await expect(deleteSegment(t.db, { id: rome.id })).rejects.toMatchObject({ code: "segment_in_use" });
    await createCampaign(t.db, { ...base, name: "VIP draft", tag_ids: [vip.id] }, opts);
    await expect(deleteTag(t.db, { id: vip.id }, now)).rejects.toMatchObject({ code: "tag_in_use", message: '"VIP" is in the audience of "VIP draft", not sent yet: change their audience first' });
    // The sent campaign lets its tag go (its audience is frozen); Staff only excluded there.
    expect(await deleteTag(t.db, { id: staff.id }, now)).toMatchObject({ name: "Staff" });
  });

  it("refuses unknown targets and a target both included and excluded, storing nothing", async () => {
    const UNKNOWN = "00000000-0000-4000-8000-000000000000";
    const before = (await t.db.execute<{ n: number }>(sql`select count(*)::int as n from campaigns`)).rows[0].n;
    await expect(createCampaign(t.db, { ...base, tag_ids: [UNKNOWN] }, opts)).rejects.toMatchObject({ code: "unknown_tag" });
    await expect(createCampaign(t.db, { ...base, segment_ids: [UNKNOWN] }, opts)).rejects.toMatchObject({ code: "unknown_segment", status: 422 });
    await expect(createCampaign(t.db, { ...base, exclude_list_ids: [UNKNOWN] }, opts)).rejects.toMatchObject({ code: "unknown_list" });
    const list = await createList(t.db, { name: "Both" });
    await expect(createCampaign(t.db, { ...base, list_ids: [list.id], exclude_list_ids: [list.id] }, opts)).rejects.toMatchObject({ code: "validation_failed" });
    expect((await t.db.execute<{ n: number }>(sql`select count(*)::int as n from campaigns`)).rows[0].n).toBe(before);
  });

  it("a segment on human engagement: the count is the send, a machine-only open does not count", async () => {
    const [a, b] = [await createContact(t.db, { email: "human@eng.test" }), await createContact(t.db, { email: "machine@eng.test" })];
    const old = await createCampaign(t.db, { ...base, name: "Old" }, opts);
    await t.db.execute(sql`update campaigns set status = 'sent' where id = ${old.id}::uuid`);
    await t.db.insert(messages).values([
      { kind: "campaign", campaignId: old.id, contactId: a.id, toEmail: a.email, fromEmail: "f@x.test", subject: "s", messageStream: "broadcast", status: "opened", sentAt: now, firstOpenedAt: now, firstHumanOpenedAt: now },
      { kind: "campaign", campaignId: old.id, contactId: b.id, toEmail: b.email, fromEmail: "f@x.test", subject: "s", messageStream: "broadcast", status: "opened", sentAt: now, firstOpenedAt: now },
    ]);
    // Written directly, as ingestion would leave them: the contacts' engagement recomputed as ingestion does.
    await t.db.execute(sql`select postline_refresh_contact_engagement(array[${a.id}::uuid, ${b.id}::uuid])`);
    const openers = await createSegment(t.db, { name: "Openers", definition: { match: "all", conditions: [{ type: "engagement", op: "opened_within_days", days: 7 }] } }, now);
    const campaign = await createCampaign(t.db, { ...base, segment_ids: [openers.id] }, opts);
    expect(await countAudience(t.db, campaign.id)).toEqual({ recipients: 1, suppressed: 0 });
    await startCampaignSend(t.db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
    expect(await sentTo(campaign.id)).toEqual(["human@eng.test:queued"]);
  });

  it("the freeze writes one row per contact; without ON CONFLICT the unique keys still hold", async () => {
    const list = await createList(t.db, { name: "Ordered" });
    for (let i = 0; i < 20; i++) await createContact(t.db, { email: `ord${i}@aud.test`, list_ids: [list.id] });
    const campaign = await createCampaign(t.db, { ...base, list_ids: [list.id] }, opts);
    await startCampaignSend(t.db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
    const rows = await t.db.select({ id: messages.id, contactId: messages.contactId }).from(messages).where(eq(messages.campaignId, campaign.id));
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.contactId)).size).toBe(20);

    // No ON CONFLICT any more: a second row for the same (campaign, contact) is refused, not skipped.
    const [one] = rows;
    const again = sql`insert into messages (kind, campaign_id, contact_id, to_email, from_email, subject, message_stream) values ('campaign', ${campaign.id}::uuid, ${one.contactId}::uuid, 'x@aud.test', 'a@aud.test', 's', 'broadcast')`;
    await expect(t.db.execute(again)).rejects.toMatchObject({ cause: { code: "23505" } });
    // The Postmark MessageID key is partial (nulls are not indexed) and still unique.
    await t.db.execute(sql`update messages set postmark_message_id = 'pm-dup' where id = ${one.id}::uuid`);
    await expect(t.db.execute(sql`update messages set postmark_message_id = 'pm-dup' where id = ${rows[1].id}::uuid`)).rejects.toMatchObject({ cause: { code: "23505" } });
  });
});
