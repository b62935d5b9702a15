import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { campaigns } from "@/db/schema";
import { createCampaign, getCampaignOrThrow } from "@/lib/campaigns/campaigns";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { actionContext, formOf } from "@/lib/tooling/testing/server-actions";
import { createUser } from "@/lib/users/users";
import {
  cancelCampaignAction,
  pauseCampaignAction,
  resumeCampaignAction,
  resyncCampaignAction,
  saveCampaignAction,
  scheduleCampaignAction,
  sendCampaignAction,
  testSendAction,
  duplicateCampaignAction,
  saveAsTemplateAction,
  unscheduleCampaignAction,
  deleteTemplateAction,
} from "./actions";

// Next's request context only: the session, revalidation, `after`. Parsing and lib/ run for real.
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("@/lib/app/session", async () => (await import("@/lib/tooling/testing/server-actions")).sessionStandIn);
vi.mock("@/lib/app/continue-sending", () => ({ advanceSendingAfterResponse: () => {} }));
// Sending deps are never reached here: every test send below is refused before Postmark is called.
vi.mock("@/lib/app/deps", async (original) => ({ ...(await original<object>()), getAppDb: (await import("@/lib/tooling/testing/server-actions")).appDb, getSendingDeps: () => ({}), getSenderCheckDeps: () => ({ account: null, resolver: { resolveTxt: async () => [] }, minRecipients: 1_000, now: () => new Date() }) }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ POSTMARK_FROM_EMAIL: "news@postline.test", POSTMARK_BROADCAST_STREAM: "broadcast" }) }));

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  actionContext.db = t.db;
  actionContext.user = await createUser(t.db, { email: "admin@actions.test", name: "Admin", password: "correct horse battery", role: "admin" });
});
afterAll(() => t.drop());

const draft = () => createCampaign(t.db, { name: "Launch", subject: "Hi", html: "<p>Hi</p>" }, { defaultFrom: "news@postline.test" });

describe("campaign actions: every input parsed, bad input is the form's error (issue 13.13)", () => {
  const forged = ["not-a-uuid", "------------------------------------", "00000000-0000-0000-0000-00000000000g", "'; drop table campaigns; --", ""];

  it("a forged or missing campaignId is 'Unknown campaign' from every action, never a throw", async () => {
    for (const campaignId of forged) {
      for (const action of [sendCampaignAction, pauseCampaignAction, resumeCampaignAction, cancelCampaignAction, testSendAction, resyncCampaignAction, unscheduleCampaignAction, duplicateCampaignAction, saveAsTemplateAction]) {
        await expect(action(null, formOf({ campaignId })), `${action.name} ${campaignId}`).resolves.toMatchObject({ ok: false, error: expect.stringContaining("Unknown campaign") });
      }
      await expect(scheduleCampaignAction(null, formOf({ campaignId, scheduledAt: "2030-04-01T09:00", timeZone: "UTC" }))).resolves.toEqual({ ok: false, error: "Unknown campaign: reload the page" });
    }
    await expect(sendCampaignAction(null, new FormData())).resolves.toMatchObject({ ok: false });
  });

  it("saving with a forged campaignId is refused before anything is stored", async () => {
    const before = await t.db.$count(campaigns);
    const result = await saveCampaignAction(null, formOf({ campaignId: "------------------------------------", name: "X", subject: "S", html: "<p>x</p>", audience: "all" }));
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining("Unknown campaign") });
    expect(await t.db.$count(campaigns)).toBe(before);
  });

  it("the composer's honeypot checkbox: ticked (\"on\") stores true, left unticked (absent) stores false", async () => {
    const c = await draft();
    const save = (extra: Record<string, string>) => saveCampaignAction(null, formOf({ campaignId: c.id, name: "Launch", subject: "Hi", html: "<p>Hi</p>", audience: "all", ...extra }));
    // Success ends in redirect(), which throws Next's redirect signal.
    await expect(save({})).rejects.toMatchObject({ digest: expect.stringContaining("NEXT_REDIRECT") });
    expect((await getCampaignOrThrow(t.db, c.id)).honeypot).toBe(false);
    await expect(save({ honeypot: "on" })).rejects.toMatchObject({ digest: expect.stringContaining("NEXT_REDIRECT") });
    expect((await getCampaignOrThrow(t.db, c.id)).honeypot).toBe(true);
  });

  it("the audience picker: lists, tags and segments when chosen, excluded segments either way, API exclusions carried along; none chosen is a field error", async () => {
    const { createTag } = await import("@/lib/contacts/tags");
    const { createList } = await import("@/lib/contacts/contacts");
    const { createSegment } = await import("@/lib/segments/segments");
    const { getCampaignTargets } = await import("@/lib/campaigns/audience");
    const [tag, list] = [await createTag(t.db, { name: "Picked" }), await createList(t.db, { name: "Left out" })];
    const seg = await createSegment(t.db, { name: "Everyone", definition: { match: "all", conditions: [] } }, new Date());
    const other = await createSegment(t.db, { name: "Other", definition: { match: "all", conditions: [] } }, new Date());
    const c = await draft();
    const save = (extra: Record<string, string | string[]>) => saveCampaignAction(null, formOf({ campaignId: c.id, name: "Launch", subject: "Hi", html: "<p>Hi</p>", ...extra }));
    await expect(save({ audience: "lists", tag_ids: tag.id, segment_ids: seg.id, exclude_segment_ids: other.id, exclude_list_ids: list.id })).rejects.toMatchObject({ digest: expect.stringContaining("NEXT_REDIRECT") });
    expect(await getCampaignTargets(t.db, c.id)).toEqual({ listIds: [], tagIds: [tag.id], segmentIds: [seg.id], excludeListIds: [list.id], excludeTagIds: [], excludeSegmentIds: [other.id] });
    // "Every subscribed contact": included targets are dropped even if the form still carries them.
    await expect(save({ audience: "all", tag_ids: tag.id, exclude_segment_ids: other.id })).rejects.toMatchObject({ digest: expect.stringContaining("NEXT_REDIRECT") });
    expect(await getCampaignTargets(t.db, c.id)).toMatchObject({ tagIds: [], segmentIds: [], excludeSegmentIds: [other.id] });
    expect(await save({ audience: "lists" })).toMatchObject({ ok: false, fieldErrors: { list_ids: "Choose at least one list, tag or segment" } });
    expect(await save({ audience: "lists", segment_ids: "00000000-0000-4000-8000-000000000000" })).toMatchObject({ ok: false, fieldErrors: { list_ids: expect.stringContaining("Unknown segment id") } });
  });

  it("a test send for a campaign that does not exist is the form's error", async () => {
    await expect(testSendAction(null, formOf({ campaignId: "8b0e7a34-3c1e-4c55-9a43-2f5b7c3e9d10" }))).resolves.toMatchObject({ ok: false, error: expect.stringContaining("Unknown campaign") });
  });

  it("a malformed date, time or zone is a field error", async () => {
    const c = await draft();
    expect(await scheduleCampaignAction(null, formOf({ campaignId: c.id, scheduledAt: "tomorrow", timeZone: "UTC" }))).toMatchObject({ ok: false, fieldErrors: { scheduledAt: expect.any(String) } });
    expect(await scheduleCampaignAction(null, formOf({ campaignId: c.id, scheduledAt: "2030-02-30T09:00", timeZone: "UTC" }))).toMatchObject({ ok: false, fieldErrors: { scheduledAt: expect.any(String) } });
    expect(await scheduleCampaignAction(null, formOf({ campaignId: c.id, scheduledAt: "2030-04-01T09:00", timeZone: "Mars/Base" }))).toMatchObject({ ok: false, fieldErrors: { timeZone: expect.stringContaining("Mars/Base") } });
    expect(await scheduleCampaignAction(null, formOf({ campaignId: c.id, scheduledAt: "2030-04-01T09:00" }))).toMatchObject({ ok: false, fieldErrors: { timeZone: expect.any(String) } });
    expect(await scheduleCampaignAction(null, formOf({ campaignId: c.id, scheduledAt: "2001-04-01T09:00", timeZone: "UTC" }))).toMatchObject({ ok: false, fieldErrors: { scheduledAt: "Pick a time in the future" } });
    expect((await getCampaignOrThrow(t.db, c.id)).status).toBe("draft");
  });
});

describe("scheduling in a time zone (issue 13.4)", () => {
  it("09:00 on 1 April in Europe/Berlin, whenever chosen, is stored as 07:00Z with its zone", async () => {
    const c = await draft();
    const result = await scheduleCampaignAction(null, formOf({ campaignId: c.id, scheduledAt: "2030-04-01T09:00", timeZone: "Europe/Berlin" }));
    expect(result).toMatchObject({ ok: true, message: expect.stringContaining("09:00 Europe/Berlin") });
    const [row] = await t.db.select().from(campaigns).where(eq(campaigns.id, c.id));
    expect(row.scheduledAt?.toISOString()).toBe("2030-04-01T07:00:00.000Z");
    expect(row.scheduleTimeZone).toBe("Europe/Berlin");
  });

  it("a form submitted before hydration carries the server's UTC and is scheduled in UTC", async () => {
    const c = await draft();
    expect(await scheduleCampaignAction(null, formOf({ campaignId: c.id, scheduledAt: "2030-04-01T09:00", timeZone: "UTC" }))).toMatchObject({ ok: true });
    expect((await getCampaignOrThrow(t.db, c.id)).scheduledAt?.toISOString()).toBe("2030-04-01T09:00:00.000Z");
  });

  it("an offset sent by an old page (timezoneOffset) is ignored: the zone decides", async () => {
    const c = await draft();
    await scheduleCampaignAction(null, formOf({ campaignId: c.id, scheduledAt: "2030-04-01T09:00", timeZone: "Europe/Berlin", timezoneOffset: "-60" }));
    expect((await getCampaignOrThrow(t.db, c.id)).scheduledAt?.toISOString()).toBe("2030-04-01T07:00:00.000Z");
  });
});

describe("composition actions (issue 14.7)", () => {
  it("saves a campaign as a template; a taken name or an empty one is the name field's error", async () => {
    const c = await draft();
    expect(await saveAsTemplateAction(null, formOf({ campaignId: c.id, name: "Action template" }))).toMatchObject({ ok: true, message: 'Saved as the template "Action template".' });
    expect(await saveAsTemplateAction(null, formOf({ campaignId: c.id, name: "action TEMPLATE" }))).toMatchObject({ ok: false, fieldErrors: { name: expect.stringContaining("already exists") } });
    expect(await saveAsTemplateAction(null, formOf({ campaignId: c.id, name: " " }))).toMatchObject({ ok: false, fieldErrors: { name: "Name the template" } });
  });

  it("unschedules a scheduled campaign and refuses a draft; deleting an unknown template is the form's error", async () => {
    const c = await draft();
    await scheduleCampaignAction(null, formOf({ campaignId: c.id, scheduledAt: "2030-04-01T09:00", timeZone: "UTC" }));
    expect(await unscheduleCampaignAction(null, formOf({ campaignId: c.id }))).toMatchObject({ ok: true });
    expect((await getCampaignOrThrow(t.db, c.id)).status).toBe("draft");
    expect(await unscheduleCampaignAction(null, formOf({ campaignId: c.id }))).toMatchObject({ ok: false, error: "A draft campaign cannot be unscheduled" });
    expect(await deleteTemplateAction(null, formOf({ templateId: "8b0e7a34-3c1e-4c55-9a43-2f5b7c3e9d10" }))).toMatchObject({ ok: false, error: "Template not found" });
    expect(await deleteTemplateAction(null, formOf({ templateId: "nope" }))).toMatchObject({ ok: false, error: expect.stringContaining("Unknown template") });
  });

  it("a test send with six addresses or a bad one is the addresses field's error, sending nothing", async () => {
    const c = await draft();
    const six = ["a", "b", "c", "d", "e", "f"].map((x) => `${x}@t.test`).join("\n");
    expect(await testSendAction(null, formOf({ campaignId: c.id, to: six }))).toMatchObject({ ok: false, fieldErrors: { to: "A test goes to at most 5 addresses (6 given)" } });
    expect(await testSendAction(null, formOf({ campaignId: c.id, to: "a@t.test, nope" }))).toMatchObject({ ok: false, fieldErrors: { to: "Not a valid email address: nope" } });
  });
});
