import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignTemplates, messages } from "@/db/schema";
import { createContact, createList } from "@/lib/contacts/contacts";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import {
  cancelCampaign,
  createCampaign,
  duplicateCampaign,
  getCampaignListIds,
  getCampaignOrThrow,
  scheduleCampaign,
  startCampaignSend,
  unscheduleCampaign,
  updateCampaign,
} from "./campaigns";
import { listKnownFieldKeys, searchAudienceContacts } from "./preview";
import { createTemplate, deleteTemplate, getTemplateOrThrow, listTemplates, listTemplateSummaries, saveCampaignAsTemplate, templateInputSchema } from "./templates";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const opts = { defaultFrom: "news@postline.test" };
const content = { subject: "Hi {{ name }}", html: "<p>Hello {{ fields.city | default: \"there\" }}</p>", text: "Hello" };
const NOW = new Date("2030-01-01T10:00:00Z");
const UNKNOWN = "8b0e7a34-3c1e-4c55-9a43-2f5b7c3e9d10";

describe("templates (real PostgreSQL)", () => {
  it("saves a campaign's subject, HTML and text under a name, lists them by name, and a new campaign can start from one", async () => {
    const c = await createCampaign(t.db, { name: "Spring", ...content, from: "Shop <shop@postline.test>" }, opts);
    const saved = await saveCampaignAsTemplate(t.db, { campaignId: c.id, name: "  Newsletter  " }, { now: NOW });
    expect(saved).toMatchObject({ name: "Newsletter", subject: content.subject, html: content.html, text: "Hello", createdAt: NOW });
    await createTemplate(t.db, { name: "Announcement", subject: "News", html: "<p>News</p>" }, { now: NOW });
    expect((await listTemplates(t.db)).map((x) => x.name)).toEqual(["Announcement", "Newsletter"]);
    // The pages' list carries no content (a template's HTML may be megabytes).
    const summaries = await listTemplateSummaries(t.db);
    expect(summaries.map((x) => x.name)).toEqual(["Announcement", "Newsletter"]);
    expect(Object.keys(summaries[0]).sort()).toEqual(["createdAt", "id", "name", "subject"]);

    // A template is a copy: editing the campaign later does not change it.
    await updateCampaign(t.db, { id: c.id, name: "Spring", subject: "Changed", html: "<p>Changed</p>" }, NOW);
    expect((await getTemplateOrThrow(t.db, saved.id)).subject).toBe(content.subject);
  });

  it("refuses a duplicate name (any case), an empty name, an unknown campaign, an unknown variable, and extra or mistyped input fields", async () => {
    await createTemplate(t.db, { name: "Weekly", subject: "S", html: "<p>x</p>" }, { now: NOW });
    await expect(createTemplate(t.db, { name: "WEEKLY", subject: "S", html: "<p>x</p>" }, { now: NOW })).rejects.toMatchObject({ code: "template_exists", status: 409 });
    const c = await createCampaign(t.db, { name: "C", ...content }, opts);
    await expect(saveCampaignAsTemplate(t.db, { campaignId: c.id, name: " " }, { now: NOW })).rejects.toMatchObject({ code: "validation_failed", status: 422 });
    await expect(saveCampaignAsTemplate(t.db, { campaignId: UNKNOWN, name: "X" }, { now: NOW })).rejects.toMatchObject({ code: "not_found" });
    await expect(createTemplate(t.db, { name: "Broken", subject: "Hi {{ nmae }}", html: "<p>x</p>" }, { now: NOW })).rejects.toMatchObject({ code: "invalid_template", status: 422 });
    expect(templateInputSchema.safeParse({ name: "X", subject: "S", html: "<p/>", extra: 1 }).success).toBe(false);
    expect(templateInputSchema.safeParse({ name: "X", subject: 5, html: "<p/>" }).success).toBe(false);
    expect(await t.db.$count(campaignTemplates, eq(campaignTemplates.name, "Broken"))).toBe(0);
  });

  it("deletes a template once; an unknown id is 404; campaigns made from it keep their content", async () => {
    const tpl = await createTemplate(t.db, { name: "Gone soon", ...content }, { now: NOW });
    const fromIt = await createCampaign(t.db, { name: "From template", subject: tpl.subject, html: tpl.html }, opts);
    expect((await deleteTemplate(t.db, tpl.id)).id).toBe(tpl.id);
    await expect(deleteTemplate(t.db, tpl.id)).rejects.toMatchObject({ code: "not_found", status: 404 });
    await expect(getTemplateOrThrow(t.db, tpl.id)).rejects.toMatchObject({ code: "not_found" });
    expect((await getCampaignOrThrow(t.db, fromIt.id)).html).toBe(content.html);
  });
});

describe("duplicate (real PostgreSQL)", () => {
  it("copies content, sender and lists into a draft named 'Copy of …', from any status, without its sending", async () => {
    const list = await createList(t.db, { name: "Dup list" });
    await createContact(t.db, { email: "dup@c.test", list_ids: [list.id] });
    const source = await createCampaign(t.db, { name: "Original", ...content, from: "Shop <shop@postline.test>", list_ids: [list.id] }, opts);
    await startCampaignSend(t.db, { campaignId: source.id, stream: "broadcast" }, NOW);
    await cancelCampaign(t.db, source.id, NOW);

    const copy = await duplicateCampaign(t.db, { campaignId: source.id }, NOW);
    expect(copy).toMatchObject({
      name: "Copy of Original",
      subject: content.subject,
      html: content.html,
      text: content.text,
      fromEmail: "Shop <shop@postline.test>",
      status: "draft",
      scheduledAt: null,
      startedAt: null,
      cancelledAt: null,
      recipientCount: 0,
      createdAt: NOW,
    });
    expect(copy.id).not.toBe(source.id);
    expect(await getCampaignListIds(t.db, copy.id)).toEqual([list.id]);
    expect(await t.db.$count(messages, eq(messages.campaignId, copy.id))).toBe(0);
    // The copy of a copy, and of a scheduled one.
    const at = new Date(NOW.getTime() + 86_400_000);
    await scheduleCampaign(t.db, { campaignId: copy.id, at, timeZone: "UTC" }, NOW);
    const again = await duplicateCampaign(t.db, { campaignId: copy.id }, NOW);
    expect(again).toMatchObject({ name: "Copy of Copy of Original", status: "draft", scheduledAt: null, scheduleTimeZone: null });
  });

  it("keeps a long name within 200 characters and refuses an unknown campaign", async () => {
    const long = await createCampaign(t.db, { name: "N".repeat(200), ...content }, opts);
    expect((await duplicateCampaign(t.db, { campaignId: long.id }, NOW)).name).toHaveLength(200);
    await expect(duplicateCampaign(t.db, { campaignId: UNKNOWN }, NOW)).rejects.toMatchObject({ code: "not_found", status: 404 });
  });
});

describe("unschedule (real PostgreSQL)", () => {
  it("returns a scheduled campaign to draft, keeping its content and lists", async () => {
    const list = await createList(t.db, { name: "Unschedule list" });
    const c = await createCampaign(t.db, { name: "Later", ...content, list_ids: [list.id] }, opts);
    await scheduleCampaign(t.db, { campaignId: c.id, at: new Date("2030-02-01T09:00:00Z"), timeZone: "Europe/Berlin" }, NOW);
    const draft = await unscheduleCampaign(t.db, c.id, NOW);
    expect(draft).toMatchObject({ status: "draft", scheduledAt: null, scheduleTimeZone: null, subject: content.subject, html: content.html, updatedAt: NOW });
    expect(await getCampaignListIds(t.db, c.id)).toEqual([list.id]);
  });

  it("refuses a draft, a sending, a sent and a cancelled campaign with 409, and an unknown one with 404", async () => {
    await createContact(t.db, { email: "unsched@c.test" });
    const draft = await createCampaign(t.db, { name: "Draft", ...content }, opts);
    await expect(unscheduleCampaign(t.db, draft.id, NOW)).rejects.toMatchObject({ code: "invalid_state", status: 409 });

    const sending = await createCampaign(t.db, { name: "Sending", ...content }, opts);
    await scheduleCampaign(t.db, { campaignId: sending.id, at: new Date("2030-02-01T09:00:00Z") }, NOW);
    await startCampaignSend(t.db, { campaignId: sending.id, stream: "broadcast" }, NOW); // the scheduler started it first
    await expect(unscheduleCampaign(t.db, sending.id, NOW)).rejects.toMatchObject({ code: "invalid_state", message: "A sending campaign cannot be unscheduled" });
    expect((await getCampaignOrThrow(t.db, sending.id)).status).toBe("sending");

    await cancelCampaign(t.db, sending.id, NOW);
    await expect(unscheduleCampaign(t.db, sending.id, NOW)).rejects.toMatchObject({ code: "invalid_state" });
    await expect(unscheduleCampaign(t.db, UNKNOWN, NOW)).rejects.toMatchObject({ code: "not_found", status: 404 });
  });
});

describe("preview as a contact (real PostgreSQL)", () => {
  it("finds contacts of the audience by part of their address; every contact when the audience has no lists", async () => {
    const vip = await createList(t.db, { name: "Preview VIP" });
    const ann = await createContact(t.db, { email: "Ann.Preview@p.test", name: "Ann", fields: { plan: "gold" }, list_ids: [vip.id] });
    await createContact(t.db, { email: "bob.preview@p.test", name: "Bob" });
    expect((await searchAudienceContacts(t.db, { listIds: [vip.id], query: "preview" })).map((c) => c.email)).toEqual(["Ann.Preview@p.test"]);
    expect((await searchAudienceContacts(t.db, { listIds: [], query: "PREVIEW@" })).map((c) => c.email)).toEqual(["Ann.Preview@p.test", "bob.preview@p.test"]);
    expect(await searchAudienceContacts(t.db, { listIds: [vip.id], query: "bob" })).toEqual([]);
    const [found] = await searchAudienceContacts(t.db, { listIds: [vip.id], query: "ann" });
    expect(found).toEqual({ id: ann.id, email: "Ann.Preview@p.test", name: "Ann", fields: { plan: "gold" }, status: "subscribed" });
    // Anything but an id in the lists is ignored, never a cast error; % and _ are plain characters.
    await expect(searchAudienceContacts(t.db, { listIds: ["'; drop table contacts; --"], query: "%" })).resolves.toEqual([]);
  });

  it("knows the custom field keys contacts have", async () => {
    await createContact(t.db, { email: "keys@p.test", fields: { zip: "1000", city: "Bern" } });
    const keys = await listKnownFieldKeys(t.db);
    expect(keys).toEqual(expect.arrayContaining(["city", "plan", "zip"]));
    expect(keys).toEqual([...keys].sort());
  });
});
