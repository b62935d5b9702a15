import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { campaigns } from "@/db/schema";
import { createCampaign, getCampaignOrThrow, scheduleCampaign } from "@/lib/campaigns/campaigns";
import { createContactsBulk, createList } from "@/lib/contacts/contacts";
import { deliveriesTo, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { advanceSending } from "./advance-sending";
import { startDueCampaigns } from "./scheduled-campaigns";

const bed = useSendingTestbed();

let seq = 0;
/** A campaign to `n` new contacts, scheduled a minute from `now`. */
async function scheduledCampaign(n: number, now: Date) {
  const prefix = `s${++seq}`;
  const list = await createList(bed.t.db, { name: prefix });
  const emails = Array.from({ length: n }, (_, i) => `${prefix}-${i}@scheduled.test`);
  await createContactsBulk(bed.t.db, emails.map((email) => ({ email, list_ids: [list.id] })));
  const campaign = await createCampaign(bed.t.db, { name: prefix, subject: "s", html: "<p>h</p>", list_ids: [list.id] }, { defaultFrom: "news@postline.test" });
  const at = new Date(now.getTime() + 60_000);
  await scheduleCampaign(bed.t.db, { campaignId: campaign.id, at }, now);
  return { campaign, emails, at };
}

describe("scheduled campaigns (real PostgreSQL + Postmark sandbox)", () => {
  it("start when their time has come", async () => {
    const now = new Date();
    const { campaign, emails } = await scheduledCampaign(3, now);
    expect((await advanceSending(bed.t.db, { budgetMs: 5_000 }, { ...bed.fixture.deps, now: () => now })).started).toEqual([]);
    const later = new Date(now.getTime() + 2 * 60_000);
    const result = await advanceSending(bed.t.db, { budgetMs: 10_000 }, { ...bed.fixture.deps, now: () => later });
    expect(result).toMatchObject({ started: [campaign.id], startFailures: 0, sent: 3 });
    expect(deliveriesTo(bed, emails)).toEqual({ missing: [], duplicated: [] });
  });

  it("a database error while starting leaves the campaign scheduled; the next run starts it", async () => {
    const now = new Date();
    const { campaign, emails, at } = await scheduledCampaign(3, now);
    // PostgreSQL itself fails the start's claim (its last statement writes the freeze's chunks), as a
    // deadlock would (the victim's error, SQLSTATE 40P01).
    await bed.t.db.execute(sql`
      create function postline_test_fail_freeze() returns trigger language plpgsql as $$
      begin raise exception 'deadlock detected (simulated)' using errcode = '40P01'; end $$`);
    await bed.t.db.execute(sql`create trigger fail_freeze before insert on campaign_freeze_chunks for each statement execute function postline_test_fail_freeze()`);
    const logged: string[] = [];
    const later = new Date(now.getTime() + 2 * 60_000);
    const deps = { ...bed.fixture.deps, now: () => later, log: (m: string) => logged.push(m) };
    try {
      const failed = await advanceSending(bed.t.db, { budgetMs: 5_000 }, deps);
      expect(failed).toMatchObject({ started: [], startFailures: 1, sent: 0 });
      expect(logged.join("\n")).toContain(`scheduled campaign ${campaign.id} did not start`);
      expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ status: "scheduled", scheduledAt: at, lastError: null });
    } finally {
      await bed.t.db.execute(sql`drop trigger fail_freeze on campaign_freeze_chunks`);
      await bed.t.db.execute(sql`drop function postline_test_fail_freeze()`);
    }
    const retried = await advanceSending(bed.t.db, { budgetMs: 10_000 }, deps);
    expect(retried).toMatchObject({ started: [campaign.id], startFailures: 0, sent: 3 });
    expect(deliveriesTo(bed, emails)).toEqual({ missing: [], duplicated: [] });
  });

  it("a database error while its audience freezes: the campaign has started, the next run freezes the rest and sends it once", async () => {
    const now = new Date();
    const { campaign, emails } = await scheduledCampaign(3, now);
    await bed.t.db.execute(sql`
      create function postline_test_fail_freeze() returns trigger language plpgsql as $$
      begin raise exception 'deadlock detected (simulated)' using errcode = '40P01'; end $$`);
    await bed.t.db.execute(sql`create trigger fail_freeze before insert on messages for each statement execute function postline_test_fail_freeze()`);
    const logged: string[] = [];
    const later = new Date(now.getTime() + 2 * 60_000);
    const deps = { ...bed.fixture.deps, now: () => later, log: (m: string) => logged.push(m) };
    try {
      const failed = await advanceSending(bed.t.db, { budgetMs: 5_000 }, deps);
      // Started, then its freeze failed, and so did the resume in the same run: logged, nothing sent.
      expect(failed).toMatchObject({ started: [campaign.id], startFailures: 0, frozen: [], freezeFailures: 1, sent: 0, completed: [] });
      expect(logged.join("\n")).toContain(`scheduled campaign ${campaign.id} started but its audience freeze stopped`);
      expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ status: "sending", freezing: true, recipientCount: 0 });
    } finally {
      await bed.t.db.execute(sql`drop trigger fail_freeze on messages`);
      await bed.t.db.execute(sql`drop function postline_test_fail_freeze()`);
    }
    const retried = await advanceSending(bed.t.db, { budgetMs: 10_000 }, deps);
    expect(retried).toMatchObject({ started: [], frozen: [campaign.id], freezeFailures: 0, sent: 3, completed: [campaign.id] });
    expect(deliveriesTo(bed, emails)).toEqual({ missing: [], duplicated: [] });
    expect(await getCampaignOrThrow(bed.t.db, campaign.id)).toMatchObject({ status: "sent", recipientCount: 3, sentCount: 3 });
  });

  it("an audience that emptied out since scheduling sets it back to draft, saying why", async () => {
    const now = new Date();
    const { campaign, emails } = await scheduledCampaign(2, now);
    await bed.t.db.execute(sql`update contacts set status = 'unsubscribed' where email in (${emails[0]}, ${emails[1]})`);
    const later = new Date(now.getTime() + 2 * 60_000);
    const result = await advanceSending(bed.t.db, { budgetMs: 5_000 }, { ...bed.fixture.deps, now: () => later });
    expect(result).toMatchObject({ started: [], startFailures: 0 });
    const after = await getCampaignOrThrow(bed.t.db, campaign.id);
    expect(after).toMatchObject({ status: "draft", scheduledAt: null });
    expect(after.lastError).toMatch(/^Scheduled send did not start: Every contact in this audience is unsubscribed/);
  });

  it("two runs racing over one due campaign start it once and report no failure", async () => {
    const now = new Date();
    const { campaign } = await scheduledCampaign(2, now);
    const later = new Date(now.getTime() + 2 * 60_000);
    const deps = { ...bed.fixture.deps, now: () => later };
    const [a, b] = await Promise.all([startDueCampaigns(bed.t.db, deps), startDueCampaigns(bed.t.db, deps)]);
    expect([...a.started, ...b.started]).toEqual([campaign.id]);
    expect(a.failed + b.failed).toBe(0);
    const [row] = await bed.t.db.select({ status: campaigns.status }).from(campaigns).where(eq(campaigns.id, campaign.id));
    expect(row.status).toBe("sending");
  });
});
