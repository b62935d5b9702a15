import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messages } from "@/db/schema";
import { createContact, createList } from "@/lib/contacts/contacts";
import { setContactStatusByEmail } from "@/lib/contacts/test-support";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import {
  cancelCampaign,
  countAudience,
  createCampaign,
  duplicateCampaign,
  getCampaignListIds,
  getCampaignOrThrow,
  patchCampaign,
  pauseCampaign,
  resumeCampaign,
  scheduleCampaign,
  startCampaignSend,
  updateCampaign,
} from "./campaigns";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const base = { name: "Launch", subject: "Hello {{ name | default: \"there\" }}", html: "<p>Hi {{name}}</p>" };
const opts = { defaultFrom: "news@postline.test" };

describe("campaigns (real PostgreSQL)", () => {
  it("refuses empty subjects and bodies, unknown variables and unknown lists, storing nothing", async () => {
    const { campaignInputSchema } = await import("./campaigns");
    expect(campaignInputSchema.safeParse({ ...base, subject: " " }).success).toBe(false);
    expect(campaignInputSchema.safeParse({ ...base, html: "" }).success).toBe(false);
    await expect(createCampaign(t.db, { ...base, html: "<p>{{ first_name }}</p>" }, opts)).rejects.toMatchObject({ code: "invalid_template", status: 422 });
    await expect(createCampaign(t.db, { ...base, list_ids: ["00000000-0000-4000-8000-000000000000"] }, opts)).rejects.toMatchObject({ code: "unknown_list" });
  });

  it("honeypot: on unless asked otherwise; an edit without it keeps it; a copy keeps it", async () => {
    expect((await createCampaign(t.db, base, opts)).honeypot).toBe(true);
    const off = await createCampaign(t.db, { ...base, honeypot: false }, opts);
    expect(off.honeypot).toBe(false);
    expect((await updateCampaign(t.db, { ...base, id: off.id, name: "Renamed" }, new Date())).honeypot).toBe(false);
    expect((await updateCampaign(t.db, { ...base, id: off.id, honeypot: true }, new Date())).honeypot).toBe(true);
    expect((await duplicateCampaign(t.db, { campaignId: (await updateCampaign(t.db, { ...base, id: off.id, honeypot: false }, new Date())).id }, new Date())).honeypot).toBe(false);
  });

  it("patchCampaign changes only what it is given; lists, text and sender stay", async () => {
    const list = await createList(t.db, { name: "Patch list" });
    const c = await createCampaign(t.db, { ...base, text: "Plain", from: "Team <team@postline.test>", list_ids: [list.id] }, opts);
    await scheduleCampaign(t.db, { campaignId: c.id, at: new Date(Date.now() + 86_400_000) }, new Date());
    const patched = await patchCampaign(t.db, { id: c.id, honeypot: false }, new Date());
    expect(patched).toMatchObject({ honeypot: false, name: base.name, subject: base.subject, html: base.html, text: "Plain", fromEmail: "Team <team@postline.test>", status: "draft", scheduledAt: null });
    expect(await getCampaignListIds(t.db, c.id)).toEqual([list.id]);
    expect(await patchCampaign(t.db, { id: c.id, text: null, list_ids: [] }, new Date())).toMatchObject({ text: null, honeypot: false });
    expect(await getCampaignListIds(t.db, c.id)).toEqual([]);
    await expect(patchCampaign(t.db, { id: c.id, html: "<p>{{ nope }}</p>" }, new Date())).rejects.toMatchObject({ code: "invalid_template" });
    await expect(patchCampaign(t.db, { id: "8b0e7a34-3c1e-4c55-9a43-2f5b7c3e9d10", honeypot: true }, new Date())).rejects.toMatchObject({ code: "not_found" });
  });

  it("freezes the audience of its lists once; suppressed contacts are skipped with a reason; a second send is 409", async () => {
    const list = await createList(t.db, { name: "VIP" });
    const other = await createList(t.db, { name: "Other" });
    for (const email of ["a@vip.test", "b@vip.test", "c@vip.test"]) await createContact(t.db, { email, list_ids: [list.id] });
    await createContact(t.db, { email: "d@other.test", list_ids: [other.id] });
    await setContactStatusByEmail(t.db, { email: "c@vip.test", status: "unsubscribed", reason: "test" });
    const campaign = await createCampaign(t.db, { ...base, list_ids: [list.id] }, opts);
    expect(await countAudience(t.db, campaign.id)).toEqual({ recipients: 2, suppressed: 1 });

    const sending = await startCampaignSend(t.db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
    expect(sending).toMatchObject({ status: "sending", recipientCount: 2, suppressedCount: 1 });
    const rows = await t.db.select().from(messages).where(eq(messages.campaignId, campaign.id));
    expect(rows.map((r) => [r.toEmail, r.status, r.errorMessage]).sort()).toEqual([
      ["a@vip.test", "queued", null],
      ["b@vip.test", "queued", null],
      ["c@vip.test", "suppressed", "Contact is unsubscribed"],
    ]);
    await expect(startCampaignSend(t.db, { campaignId: campaign.id, stream: "broadcast" }, new Date())).rejects.toMatchObject({ code: "already_sent", status: 409 });
    await expect(updateCampaign(t.db, { ...base, id: campaign.id }, new Date())).rejects.toMatchObject({ status: 409 });
  });

  it("sends a racing double-click exactly once", async () => {
    await createContact(t.db, { email: "race@all.test" });
    const campaign = await createCampaign(t.db, { ...base, name: "Race" }, opts);
    const results = await Promise.allSettled([1, 2, 3].map(() => startCampaignSend(t.db, { campaignId: campaign.id, stream: "broadcast" }, new Date())));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const count = await t.db.$count(messages, eq(messages.campaignId, campaign.id));
    expect(count).toBe((await getCampaignOrThrow(t.db, campaign.id)).recipientCount + (await getCampaignOrThrow(t.db, campaign.id)).suppressedCount);
  });

  it("refuses a campaign with no audience and leaves it a draft with no messages", async () => {
    const empty = await createList(t.db, { name: "Empty" });
    const campaign = await createCampaign(t.db, { ...base, list_ids: [empty.id] }, opts);
    await expect(startCampaignSend(t.db, { campaignId: campaign.id, stream: "broadcast" }, new Date())).rejects.toMatchObject({ code: "no_audience", status: 422 });
    expect((await getCampaignOrThrow(t.db, campaign.id)).status).toBe("draft");
    expect(await t.db.$count(messages, eq(messages.campaignId, campaign.id))).toBe(0);
  });

  it("stores a schedule's instant with the zone it was chosen in; an API schedule has none; editing clears both", async () => {
    const campaign = await createCampaign(t.db, { ...base, name: "Zoned" }, opts);
    const now = new Date("2026-03-10T12:00:00Z");
    const at = new Date("2026-04-01T07:00:00Z");
    const zoned = await scheduleCampaign(t.db, { campaignId: campaign.id, at, timeZone: "europe/berlin" }, now);
    expect(zoned).toMatchObject({ status: "scheduled", scheduledAt: at, scheduleTimeZone: "Europe/Berlin" });
    await expect(scheduleCampaign(t.db, { campaignId: campaign.id, at, timeZone: "Nowhere/Else" }, now)).rejects.toMatchObject({ code: "unknown_time_zone", status: 422 });
    expect((await getCampaignOrThrow(t.db, campaign.id)).scheduleTimeZone).toBe("Europe/Berlin");
    expect((await scheduleCampaign(t.db, { campaignId: campaign.id, at }, now)).scheduleTimeZone).toBeNull();
    await scheduleCampaign(t.db, { campaignId: campaign.id, at, timeZone: "UTC" }, now);
    const edited = await updateCampaign(t.db, { ...base, name: "Zoned", id: campaign.id }, new Date());
    expect(edited).toMatchObject({ status: "draft", scheduledAt: null, scheduleTimeZone: null });
  });

  it("schedules, pauses, resumes and cancels only from the right states", async () => {
    const campaign = await createCampaign(t.db, { ...base, name: "States" }, opts);
    const now = new Date();
    await expect(scheduleCampaign(t.db, { campaignId: campaign.id, at: new Date(now.getTime() - 1000) }, now)).rejects.toMatchObject({ code: "invalid_schedule" });
    expect((await scheduleCampaign(t.db, { campaignId: campaign.id, at: new Date(now.getTime() + 3_600_000) }, now)).status).toBe("scheduled");
    await expect(pauseCampaign(t.db, campaign.id, new Date())).rejects.toMatchObject({ status: 409 });
    await startCampaignSend(t.db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
    expect((await pauseCampaign(t.db, campaign.id, new Date())).status).toBe("paused");
    expect((await resumeCampaign(t.db, campaign.id, new Date(), { role: "marketer", userId: null })).status).toBe("sending");
    const cancelled = await cancelCampaign(t.db, campaign.id, new Date());
    expect(cancelled.status).toBe("cancelled");
    const statuses = await t.db.select({ s: messages.status }).from(messages).where(eq(messages.campaignId, campaign.id));
    expect(statuses.every((r) => r.s === "cancelled" || r.s === "suppressed")).toBe(true);
  });

  it("stamps each change with the time it is given, not the machine's", async () => {
    const campaign = await createCampaign(t.db, { ...base, name: "Clocked" }, opts);
    const at = (iso: string) => new Date(iso);
    expect((await updateCampaign(t.db, { ...base, name: "Clocked", id: campaign.id }, at("2030-01-01T00:00:00Z"))).updatedAt).toEqual(at("2030-01-01T00:00:00Z"));
    const started = await startCampaignSend(t.db, { campaignId: campaign.id, stream: "broadcast" }, at("2030-01-02T00:00:00Z"));
    expect(started.startedAt).toEqual(at("2030-01-02T00:00:00Z"));
    const paused = await pauseCampaign(t.db, campaign.id, at("2030-01-03T00:00:00Z"));
    expect(paused).toMatchObject({ pausedAt: at("2030-01-03T00:00:00Z"), updatedAt: at("2030-01-03T00:00:00Z") });
    expect((await resumeCampaign(t.db, campaign.id, at("2030-01-04T00:00:00Z"), { role: "marketer", userId: null })).updatedAt).toEqual(at("2030-01-04T00:00:00Z"));
    expect(await cancelCampaign(t.db, campaign.id, at("2030-01-05T00:00:00Z"))).toMatchObject({ cancelledAt: at("2030-01-05T00:00:00Z"), updatedAt: at("2030-01-05T00:00:00Z") });
  });
});
