/**
 * The circuit breakers against a real PostgreSQL and the Postmark sandbox: rates come from the counters
 * ingestion moves (events go through ingestPostmarkEvents), the dispatcher asks before each claim, a
 * paused campaign claims nothing more, a trip alerts once, resuming is an admin's.
 */
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { alerts, breakerTrips, campaigns, messages, sequences } from "@/db/schema";

type Message = typeof messages.$inferSelect;
import { getCampaignOrThrow, resumeCampaign } from "@/lib/campaigns/campaigns";
import { createContact } from "@/lib/contacts/contacts";
import { ingestPostmarkEvents } from "@/lib/ingest/ingest";
import { postmarkEventSchema, type PostmarkEvent } from "@/lib/ingest/postmark-payload";
import { runSendCampaigns } from "@/lib/jobs/send-campaigns";
import { activateSequence, createSequence } from "@/lib/sequences/sequences";
import { sandboxRecords, startedCampaignTo, useSendingTestbed } from "@/lib/tooling/testing/sending";
import { createUser } from "@/lib/users/users";
import { checkBreakers, checkCampaignBreaker, getBreakerView, judgeBreakers, PROBE_WAIT_MS, type BreakerDeps, type BreakerThresholds } from "./breakers";

const bed = useSendingTestbed();

const THRESHOLDS: BreakerThresholds = { complaintAlertRate: 0.001, complaintPauseRate: 0.005, hardBouncePauseRate: 0.05, minDeliveries: 100 };
const emailed: string[] = [];
const breakerDeps = (thresholds = THRESHOLDS): BreakerDeps => ({ thresholds, emailer: { emailAdmins: async (subject) => void emailed.push(subject) }, now: () => new Date() });
const MARKETER = { role: "marketer" as const, userId: null };

let seq = 0;
const at = () => new Date().toISOString();

function event(type: "Delivery" | "SpamComplaint" | "Bounce", m: Pick<Message, "postmarkMessageId" | "toEmail">, extra: Record<string, unknown> = {}): PostmarkEvent {
  const base: Record<string, unknown> = { RecordType: type, MessageID: m.postmarkMessageId, MessageStream: "broadcast", Metadata: {}, Tag: "t" };
  if (type === "Delivery") Object.assign(base, { Recipient: m.toEmail, DeliveredAt: at() });
  if (type === "Bounce") Object.assign(base, { Email: m.toEmail, BouncedAt: at(), Type: "HardBounce", TypeCode: 1, ID: ++seq * 1000 + 7, Inactive: true });
  if (type === "SpamComplaint") Object.assign(base, { Email: m.toEmail, BouncedAt: at(), Type: "SpamComplaint", TypeCode: 100001, ID: ++seq * 1000 + 9 });
  return postmarkEventSchema.parse({ ...base, ...extra });
}

/** Marks the first `n` queued messages of a campaign as sent (as the dispatcher would), with MessageIDs. */
async function markSent(campaignId: string, n: number): Promise<Message[]> {
  await bed.t.db.execute(sql`
    update messages set status = 'sent', sent_at = now(), postmark_message_id = 'pm-' || id
    where id in (select id from messages where campaign_id = ${campaignId}::uuid and status = 'queued' order by id limit ${n})`);
  await bed.t.db.execute(sql`update campaigns set sent_count = sent_count + ${n} where id = ${campaignId}::uuid`);
  return bed.t.db.select().from(messages).where(and(eq(messages.campaignId, campaignId), eq(messages.status, "sent"))).orderBy(messages.id);
}

/** Deliveries for all, then complaints, hard bounces and soft bounces for the first ones after those. */
async function outcomes(sent: Message[], { complaints = 0, hard = 0, soft = 0, delivered = sent.length - hard - soft }: { complaints?: number; hard?: number; soft?: number; delivered?: number }) {
  const events: PostmarkEvent[] = [];
  sent.slice(0, hard).forEach((m) => events.push(event("Bounce", m)));
  sent.slice(hard, hard + soft).forEach((m) => events.push(event("Bounce", m, { Type: "SoftBounce", TypeCode: 4096, Inactive: false })));
  const rest = sent.slice(hard + soft);
  rest.slice(0, delivered).forEach((m) => events.push(event("Delivery", m)));
  rest.slice(0, complaints).forEach((m) => events.push(event("SpamComplaint", m)));
  await ingestPostmarkEvents(bed.t.db, events.map((e) => ({ event: e })));
}

const tripsOf = (owner: { campaignId: string } | { sequenceId: string }) =>
  bed.t.db.select().from(breakerTrips).where("campaignId" in owner ? eq(breakerTrips.campaignId, owner.campaignId) : eq(breakerTrips.sequenceId, owner.sequenceId));
const alertsFor = (id: string) => bed.t.db.select().from(alerts).where(sql`${alerts.dedupeKey} like ${`%${id}%`}`);

describe("judging rates (thresholds are strict, minimum deliveries first)", () => {
  it("trips above a threshold, not at it, and judges nothing below the minimum", () => {
    const t = THRESHOLDS;
    expect(judgeBreakers({ delivered: 1000, complaints: 5, hardBounces: 0 }, t).trips.map((x) => x.level)).toEqual(["alert"]);
    expect(judgeBreakers({ delivered: 1000, complaints: 6, hardBounces: 0 }, t).trips.map((x) => x.level)).toEqual(["alert", "pause"]);
    expect(judgeBreakers({ delivered: 1000, complaints: 1, hardBounces: 0 }, t).trips).toEqual([]);
    expect(judgeBreakers({ delivered: 99, complaints: 10, hardBounces: 50 }, t)).toMatchObject({ judged: false, trips: [], cautious: true });
    // Hard bounces over what was sent (delivered + hard-bounced): 5 of 100 is exactly 5%, 6 of 101 above.
    expect(judgeBreakers({ delivered: 95, complaints: 0, hardBounces: 5 }, { ...t, minDeliveries: 95 }).trips).toEqual([]);
    expect(judgeBreakers({ delivered: 95, complaints: 0, hardBounces: 6 }, { ...t, minDeliveries: 95 }).trips).toMatchObject([{ reason: "hard_bounce_rate", level: "pause" }]);
  });
});

describe("circuit breakers on campaigns (real PostgreSQL + sandbox)", () => {
  it("ingestion counts hard bounces apart from soft ones", async () => {
    const { campaign } = await startedCampaignTo(bed, 10);
    await outcomes(await markSent(campaign.id, 10), { hard: 2, soft: 3 });
    const [row] = (await bed.t.db.execute<{ bounced: number; hard: number; delivered: number }>(sql`
      select sum(bounced)::int as bounced, sum(hard_bounced)::int as hard, sum(delivered)::int as delivered from campaign_event_counters where campaign_id = ${campaign.id}::uuid`)).rows;
    expect(row).toEqual({ bounced: 5, hard: 2, delivered: 5 });
  });

  it("above the pause threshold: paused before the next claim, the reason recorded, one alert however often it is checked", async () => {
    const { campaign } = await startedCampaignTo(bed, 400);
    const sent = await markSent(campaign.id, 150);
    await outcomes(sent, { complaints: 1 }); // 1 of 150 = 0.67% > 0.5%
    const before = sandboxRecords(bed.fixture.sandbox).length;
    emailed.length = 0;
    await runSendCampaigns(bed.t.db, { budgetMs: 20_000 }, bed.fixture.deps, breakerDeps());
    await runSendCampaigns(bed.t.db, { budgetMs: 20_000 }, bed.fixture.deps, breakerDeps());
    expect(sandboxRecords(bed.fixture.sandbox).length).toBe(before);
    const c = await getCampaignOrThrow(bed.t.db, campaign.id);
    expect(c.status).toBe("paused");
    const trips = await tripsOf({ campaignId: campaign.id });
    expect(trips.map((t) => [t.reason, t.level, t.paused]).sort()).toEqual([
      ["complaint_rate", "alert", false],
      ["complaint_rate", "pause", true],
    ]);
    expect(trips.find((t) => t.level === "pause")).toMatchObject({ delivered: 150, complaints: 1, threshold: 0.005 });
    const raised = await alertsFor(campaign.id);
    expect(raised.map((a) => a.occurrences)).toEqual([1, 1]);
    expect(raised.find((a) => a.severity === "critical")?.title).toMatch(/paused: spam complaints above 0\.50%/);
    expect(emailed.filter((s) => s.includes(campaign.name))).toHaveLength(2);
    const view = await getBreakerView(bed.t.db, { campaignId: campaign.id }, THRESHOLDS);
    expect(view?.pausedBy?.reason).toBe("complaint_rate");
  });

  it("exactly at the pause threshold: an alert, once, and sending goes on in small batches", async () => {
    const { campaign } = await startedCampaignTo(bed, 1000);
    await outcomes(await markSent(campaign.id, 200), { complaints: 1 }); // 1 of 200 = 0.5%, not above
    const r = await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, breakerDeps());
    expect(r).toMatchObject({ send: true, batchSize: 10, tripped: [{ reason: "complaint_rate", level: "alert", paused: false }] });
    expect((await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, breakerDeps())).tripped).toEqual([]);
    await runSendCampaigns(bed.t.db, { budgetMs: 30_000 }, bed.fixture.deps, breakerDeps());
    expect((await getCampaignOrThrow(bed.t.db, campaign.id)).status).toBe("sent");
    const sizes = await bed.t.db.execute<{ n: number }>(sql`select max(message_count)::int as n from send_batches where campaign_id = ${campaign.id}::uuid`);
    expect(sizes.rows[0].n).toBe(10);
    expect((await alertsFor(campaign.id)).map((a) => a.occurrences)).toEqual([1]);
  });

  it("the sample: after twice the minimum is sent with too few deliveries to judge, the campaign holds (up to PROBE_WAIT_MS) while delivery webhooks arrive", async () => {
    const { campaign } = await startedCampaignTo(bed, 300);
    const sent = await markSent(campaign.id, 200);
    const started = (await getCampaignOrThrow(bed.t.db, campaign.id)).startedAt!;
    const at = (ms: number) => ({ ...breakerDeps(), now: () => new Date(started.getTime() + ms) });
    // No Delivery webhook received in the last hour: nothing to wait for, so no hold.
    await bed.t.db.execute(sql`delete from message_events where record_type = 'Delivery'`);
    expect(await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, at(1_000))).toMatchObject({ send: true, holding: false });
    // Webhooks arriving (one delivery so far, too few to judge): it holds.
    await outcomes(sent.slice(0, 1), {});
    expect(await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, at(1_000))).toMatchObject({ send: false, holding: true });
    // Everyone sent (the last batches in flight): nothing left to hold back, so no worker waits on it.
    await bed.t.db.execute(sql`update campaigns set sent_count = recipient_count where id = ${campaign.id}::uuid`);
    expect(await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, at(1_000))).toMatchObject({ holding: false });
    await bed.t.db.execute(sql`update campaigns set sent_count = 200 where id = ${campaign.id}::uuid`);
    // Webhooks late or down: after the wait it goes on (reconciliation recovers the outcomes).
    expect(await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, at(PROBE_WAIT_MS + 1))).toMatchObject({ send: true, holding: false });
    // Judged on part of the sample (150 of 200 delivered): no hold, but cautious batches while the rest's complaints may still come.
    await outcomes(sent.slice(0, 150), {});
    expect(await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, at(1_000))).toMatchObject({ send: true, holding: false, batchSize: 10 });
    // The whole sample delivered: the usual batch size.
    await outcomes(sent, {});
    const settled = await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, at(1_000));
    expect(settled).toMatchObject({ send: true, holding: false });
    expect(settled.batchSize).toBeUndefined();
    // Out of the way of the sending runs of the tests below.
    await bed.t.db.update(campaigns).set({ status: "paused" }).where(eq(campaigns.id, campaign.id));
  });

  it("below the minimum deliveries nothing is judged, whatever the rate", async () => {
    const { campaign } = await startedCampaignTo(bed, 200);
    await outcomes(await markSent(campaign.id, 99), { complaints: 5 });
    const r = await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, breakerDeps());
    expect(r).toMatchObject({ send: true, tripped: [] });
    expect(await tripsOf({ campaignId: campaign.id })).toEqual([]);
  });

  it("a hard-bounce rate above 5% pauses; soft bounces do not count", async () => {
    const { campaign } = await startedCampaignTo(bed, 300);
    await outcomes(await markSent(campaign.id, 200), { hard: 5, soft: 40 }); // 5 of 160 sent = 3.1%
    expect((await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, breakerDeps())).send).toBe(true);
    await outcomes(await markSent(campaign.id, 20).then((all) => all.slice(-20)), { hard: 6 }); // 11 of 174 = 6.3%
    const r = await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, breakerDeps());
    expect(r).toMatchObject({ send: false, tripped: [{ reason: "hard_bounce_rate", level: "pause", paused: true }] });
  });

  it("resuming a breaker's pause is an admin's: a marketer is refused with what was seen; the admin's resume starts a new window", async () => {
    const { campaign } = await startedCampaignTo(bed, 400);
    await outcomes(await markSent(campaign.id, 150), { complaints: 2 });
    await checkCampaignBreaker(bed.t.db, { campaignId: campaign.id }, breakerDeps());
    await expect(resumeCampaign(bed.t.db, campaign.id, new Date(), MARKETER)).rejects.toMatchObject({ code: "forbidden", message: expect.stringMatching(/1\.33% \(2 complaints of 150 delivered\) is above 0\.50%.*admin/) });
    expect((await getCampaignOrThrow(bed.t.db, campaign.id)).status).toBe("paused");
    const admin = await createUser(bed.t.db, { email: `admin${++seq}@breakers.test`, name: "Admin", role: "admin", password: "correct horse battery staple" });
    expect((await resumeCampaign(bed.t.db, campaign.id, new Date(), { role: "admin", userId: admin.id })).status).toBe("sending");
    const trips = await tripsOf({ campaignId: campaign.id });
    expect(trips.every((t) => t.resumedAt && t.resumedById === admin.id)).toBe(true);
    expect(await bed.t.db.select({ d: campaigns.breakerBaseDelivered, c: campaigns.breakerBaseComplaints }).from(campaigns).where(eq(campaigns.id, campaign.id))).toEqual([{ d: 150, c: 2 }]);
    // What was seen and accepted no longer counts: the rest goes out.
    await runSendCampaigns(bed.t.db, { budgetMs: 30_000 }, bed.fixture.deps, breakerDeps());
    expect((await getCampaignOrThrow(bed.t.db, campaign.id)).status).toBe("sent");
    // A pause by hand (no breaker) is still anyone's to resume.
    const other = await startedCampaignTo(bed, 5);
    await bed.t.db.update(campaigns).set({ status: "paused" }).where(eq(campaigns.id, other.campaign.id));
    expect((await resumeCampaign(bed.t.db, other.campaign.id, new Date(), MARKETER)).status).toBe("sending");
  });

  it("after the send: late complaints are recorded and alerted, with nothing to pause", async () => {
    const { campaign } = await startedCampaignTo(bed, 120);
    const sent = await markSent(campaign.id, 120);
    await bed.t.db.update(campaigns).set({ status: "sent", completedAt: new Date() }).where(eq(campaigns.id, campaign.id));
    await outcomes(sent, { complaints: 3 });
    const r = await checkBreakers(bed.t.db, breakerDeps());
    expect(r.tripped).toBeGreaterThanOrEqual(2);
    expect((await getCampaignOrThrow(bed.t.db, campaign.id)).status).toBe("sent");
    expect((await tripsOf({ campaignId: campaign.id })).find((t) => t.level === "pause")).toMatchObject({ paused: false, complaints: 3 });
    expect((await alertsFor(campaign.id)).map((a) => a.title)).toContainEqual(expect.stringMatching(/after sending/));
  });
});

describe("circuit breakers on sequences", () => {
  it("sequence mail moves its sequence's counters; a rate above the threshold pauses the sequence, and only an admin resumes it", async () => {
    const s = await createSequence(bed.t.db, { name: "drip", emails: [{ subject: "One", html: "<p>1</p>", delay: { amount: 1, unit: "days" } }] }, { defaultFrom: "drip@postline.test" }, new Date());
    await activateSequence(bed.t.db, { id: s.id, by: MARKETER }, new Date());
    const rows: Message[] = [];
    for (let i = 0; i < 120; i++) {
      const email = `seq${i}-${++seq}@breakers.test`;
      const contact = await createContact(bed.t.db, { email });
      const [m] = await bed.t.db
        .insert(messages)
        .values({ kind: "sequence", sequenceId: s.id, contactId: contact.id, toEmail: email, fromEmail: "drip@postline.test", subject: "One", messageStream: "broadcast", status: "sent", postmarkMessageId: `pm-seq-${seq}`, sentAt: new Date() })
        .returning();
      rows.push(m);
    }
    await outcomes(rows, { complaints: 1 });
    const [counts] = (await bed.t.db.execute<{ delivered: number; complaints: number }>(sql`
      select sum(delivered)::int as delivered, sum(spam_complaints)::int as complaints from sequence_outcome_counters where sequence_id = ${s.id}::uuid`)).rows;
    expect(counts).toEqual({ delivered: 120, complaints: 1 });
    await runSendCampaigns(bed.t.db, { budgetMs: 10_000 }, bed.fixture.deps, breakerDeps());
    expect((await bed.t.db.select({ status: sequences.status }).from(sequences).where(eq(sequences.id, s.id)))[0].status).toBe("paused");
    expect((await tripsOf({ sequenceId: s.id })).find((t) => t.level === "pause")).toMatchObject({ paused: true, delivered: 120, complaints: 1 });
    await expect(activateSequence(bed.t.db, { id: s.id, by: MARKETER }, new Date())).rejects.toMatchObject({ code: "forbidden" });
    const admin = await createUser(bed.t.db, { email: `admin${++seq}@breakers.test`, name: "Admin", role: "admin", password: "correct horse battery staple" });
    expect((await activateSequence(bed.t.db, { id: s.id, by: { role: "admin", userId: admin.id } }, new Date())).status).toBe("active");
    expect((await checkBreakers(bed.t.db, breakerDeps())).tripped).toBe(0);
  });
});
