"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { fromError, invalid, type ActionResult } from "@/lib/app/action-result";
import { requireAdmin, requireUser } from "@/lib/app/session";
import type { PublicUser } from "@/lib/users/users";
import { reconcile } from "@/lib/reconcile/run";
import {
  campaignInputSchema,
  cancelCampaign,
  createCampaign,
  getCampaign,
  type Campaign,
  pauseCampaign,
  resumeCampaign,
  duplicateCampaign,
  scheduleCampaign,
  startCampaignSend,
  unscheduleCampaign,
  updateCampaign,
} from "@/lib/campaigns/campaigns";
import { searchAudienceContacts, type PreviewContact } from "@/lib/campaigns/preview";
import { deleteTemplate, saveCampaignAsTemplate } from "@/lib/campaigns/templates";
import { AppError } from "@/lib/errors";
import { sendCampaignTest } from "@/lib/sending/campaign-test";
import { formatInTimeZone, splitLocalDateTime, zonedTimeToInstant } from "@/lib/campaigns/schedule-time";
import { getEnv } from "@/lib/env";
import { advanceSendingAfterResponse } from "@/lib/app/continue-sending";
import { getAppDb, getSenderCheckDeps, getSendingDeps } from "@/lib/app/deps";
import { checkCampaignSender, overrideSenderCheck, recheckCampaignSender } from "@/lib/sender-checks/campaign-gate";
import { idField } from "@/lib/http/id";
import { formatNumber } from "@/components/ui/format";

// Every input of every action is parsed with safeParse before anything runs: bad input (a hand-made
// form, a stale page, a forged campaignId) is the form's error result, never a thrown ZodError or a
// database error about an id. Ids are checked by the one id grammar (lib/http/id.ts).
const campaignIdSchema = idField("Unknown campaign");
const idSchema = z.object({ campaignId: campaignIdSchema });

function campaignFromForm(form: FormData) {
  const text = String(form.get("text") ?? "");
  const from = String(form.get("from") ?? "").trim();
  const audience = String(form.get("audience") ?? "all");
  return campaignInputSchema.safeParse({
    name: form.get("name"),
    subject: form.get("subject"),
    html: form.get("html"),
    text: text.trim() ? text : null,
    from: from || undefined,
    // The audience picker (components/campaigns/audience-picker.tsx): included targets only when
    // "these lists, tags or segments" is chosen; excluded segments either way.
    list_ids: audience === "lists" ? form.getAll("list_ids").map(String) : [],
    tag_ids: audience === "lists" ? form.getAll("tag_ids").map(String) : [],
    segment_ids: audience === "lists" ? form.getAll("segment_ids").map(String) : [],
    exclude_segment_ids: form.getAll("exclude_segment_ids").map(String),
    exclude_list_ids: form.getAll("exclude_list_ids").map(String),
    exclude_tag_ids: form.getAll("exclude_tag_ids").map(String),
    // A checkbox: present ("on") when ticked, absent when not.
    honeypot: form.get("honeypot") === "on",
  });
}

export async function saveCampaignAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser("marketer");
  // A new campaign's form has no campaignId; an edit's must be a real id.
  const id = campaignIdSchema.optional().safeParse(form.get("campaignId") || undefined);
  if (!id.success) return unknownCampaign();
  const parsed = campaignFromForm(form);
  if (!parsed.success) return invalid(parsed.error);
  if (form.get("audience") === "lists" && [...(parsed.data.list_ids ?? []), ...(parsed.data.tag_ids ?? []), ...(parsed.data.segment_ids ?? [])].length === 0) {
    return { ok: false, error: "Choose at least one list, tag or segment, or send to every subscribed contact", fieldErrors: { list_ids: "Choose at least one list, tag or segment" } };
  }
  let campaignId: string;
  try {
    const db = getAppDb();
    campaignId = id.data
      ? (await updateCampaign(db, { ...parsed.data, id: id.data }, new Date())).id
      : (await createCampaign(db, parsed.data, { defaultFrom: getEnv().POSTMARK_FROM_EMAIL, createdById: user.id })).id;
  } catch (error) {
    return fromError(error, { invalid_template: "html", unknown_list: "list_ids", unknown_tag: "list_ids", unknown_segment: "list_ids" });
  }
  revalidatePath("/campaigns");
  redirect(`/campaigns/${campaignId}`);
}

function unknownCampaign(): ActionResult<never> {
  return { ok: false, error: "Unknown campaign: reload the page" };
}

function parseId(form: FormData): string | null {
  const parsed = campaignIdSchema.safeParse(form.get("campaignId"));
  return parsed.success ? parsed.data : null;
}

export async function sendCampaignAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const campaignId = parseId(form);
  if (!campaignId) return unknownCampaign();
  try {
    await checkCampaignSender(getAppDb(), { campaignId }, getSenderCheckDeps());
    const c = await startCampaignSend(getAppDb(), { campaignId, stream: getEnv().POSTMARK_BROADCAST_STREAM }, new Date());
    advanceSendingAfterResponse();
    revalidatePath(`/campaigns/${campaignId}`);
    return { ok: true, message: `Sending to ${formatNumber(c.recipientCount)} recipients.` };
  } catch (error) {
    // A refused sender check was recorded on the campaign: the page shows it.
    if (error instanceof AppError && error.code === "sender_unverified") revalidatePath(`/campaigns/${campaignId}`);
    return fromError(error);
  }
}

const scheduleSchema = idSchema.extend({
  scheduledAt: z.string().min(1, "Pick a date and time").max(40),
  // The form always carries a zone: UTC as rendered on the server, the browser's after hydration.
  timeZone: z.string().trim().min(1, "Pick a time zone").max(64),
});

/** The form's date and time are wall-clock time in the form's zone, converted for the target date. */
export async function scheduleCampaignAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  if (!parseId(form)) return unknownCampaign();
  const parsed = scheduleSchema.safeParse({ campaignId: form.get("campaignId"), scheduledAt: form.get("scheduledAt"), timeZone: form.get("timeZone") });
  // Each message shows under its input (date and time, or zone), which takes focus.
  if (!parsed.success) return invalid(parsed.error);
  const { campaignId, timeZone } = parsed.data;
  let campaign: Campaign;
  try {
    const at = zonedTimeToInstant({ ...splitLocalDateTime(parsed.data.scheduledAt), timeZone });
    // A time scheduleCampaign refuses is the form's field error first; the sender check only for a real schedule.
    if (at.getTime() > Date.now()) await checkCampaignSender(getAppDb(), { campaignId }, getSenderCheckDeps());
    campaign = await scheduleCampaign(getAppDb(), { campaignId, at, timeZone }, new Date());
  } catch (error) {
    if (error instanceof AppError && error.code === "sender_unverified") revalidatePath(`/campaigns/${campaignId}`);
    return fromError(error, { invalid_schedule: "scheduledAt", unknown_time_zone: "timeZone" });
  }
  revalidatePath(`/campaigns/${campaignId}`);
  const zone = campaign.scheduleTimeZone ?? "UTC";
  return { ok: true, message: `Scheduled for ${formatInTimeZone(campaign.scheduledAt!, zone)} ${zone} (${campaign.scheduledAt!.toISOString().slice(0, 16).replace("T", " ")} UTC).` };
}

async function simpleTransition(form: FormData, fn: (id: string, user: PublicUser) => Promise<unknown>, done: string): Promise<ActionResult> {
  const user = await requireUser("marketer");
  const campaignId = parseId(form);
  if (!campaignId) return unknownCampaign();
  try {
    await fn(campaignId, user);
  } catch (error) {
    return fromError(error);
  }
  revalidatePath(`/campaigns/${campaignId}`);
  return { ok: true, message: done };
}

export async function pauseCampaignAction(_prev: ActionResult | null, form: FormData) {
  return simpleTransition(form, (id) => pauseCampaign(getAppDb(), id, new Date()), "Paused. Batches already handed to Postmark still go out.");
}

export async function resumeCampaignAction(_prev: ActionResult | null, form: FormData) {
  const result = await simpleTransition(form, (id, user) => resumeCampaign(getAppDb(), id, new Date(), { role: user.role, userId: user.id }), "Resumed.");
  if (result.ok) advanceSendingAfterResponse();
  return result;
}

export async function cancelCampaignAction(_prev: ActionResult | null, form: FormData) {
  return simpleTransition(form, (id) => cancelCampaign(getAppDb(), id, new Date()), "Cancelled. Nobody else will receive it.");
}

/**
 * A test of the campaign as it stands to up to five addresses (comma or line separated), personalized
 * as the chosen contact or sample values, on the transactional stream; never counted in the campaign.
 */
export async function testSendAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const campaignId = parseId(form);
  if (!campaignId) return unknownCampaign();
  const contactId = String(form.get("contactId") ?? "").trim() || null;
  let sent;
  try {
    sent = await sendCampaignTest(getAppDb(), { campaignId, to: String(form.get("to") ?? ""), contactId }, getSendingDeps());
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found" && error.message.startsWith("Campaign")) return unknownCampaign();
    return fromError(error, { validation_failed: "to", not_found: "contactId", invalid_template: "to" });
  }
  const failed = sent.filter((m) => m.status === "failed");
  if (failed.length) return { ok: false, error: `Postmark refused the test for ${failed.map((m) => `${m.toEmail} (${m.errorMessage})`).join(", ")}` };
  return { ok: true, message: `Test sent to ${sent.map((m) => m.toEmail).join(", ")}.` };
}

export async function unscheduleCampaignAction(_prev: ActionResult | null, form: FormData) {
  return simpleTransition(form, (id) => unscheduleCampaign(getAppDb(), id, new Date()), "Unscheduled: the campaign is a draft again.");
}

/** A draft copy "Copy of …", opened at once. */
export async function duplicateCampaignAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser("marketer");
  const campaignId = parseId(form);
  if (!campaignId) return unknownCampaign();
  let copyId: string;
  try {
    copyId = (await duplicateCampaign(getAppDb(), { campaignId, createdById: user.id }, new Date())).id;
  } catch (error) {
    return fromError(error);
  }
  revalidatePath("/campaigns");
  redirect(`/campaigns/${copyId}`);
}

export async function saveAsTemplateAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser("marketer");
  const campaignId = parseId(form);
  if (!campaignId) return unknownCampaign();
  try {
    const template = await saveCampaignAsTemplate(getAppDb(), { campaignId, name: String(form.get("name") ?? "") }, { createdById: user.id, now: new Date() });
    revalidatePath("/campaigns/templates");
    return { ok: true, message: `Saved as the template "${template.name}".` };
  } catch (error) {
    return fromError(error, { validation_failed: "name", template_exists: "name" });
  }
}

export async function deleteTemplateAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const id = idField().safeParse(form.get("templateId"));
  if (!id.success) return { ok: false, error: "Unknown template: reload the page" };
  try {
    const deleted = await deleteTemplate(getAppDb(), id.data);
    revalidatePath("/campaigns/templates");
    revalidatePath("/campaigns/new");
    return { ok: true, message: `Deleted "${deleted.name}".` };
  } catch (error) {
    return fromError(error);
  }
}

const contactSearchSchema = z.object({ listIds: z.array(idField()).max(100), query: z.string().max(320) });

/** Contacts of the audience whose address contains the query, for "preview as" and personalized tests. */
export async function searchAudienceContactsAction(input: { listIds: string[]; query: string }): Promise<PreviewContact[]> {
  await requireUser("marketer");
  const parsed = contactSearchSchema.safeParse(input);
  if (!parsed.success || !parsed.data.query.trim()) return [];
  return searchAudienceContacts(getAppDb(), parsed.data);
}

/** Admin: compare every message of the campaign with Postmark now (within one function's time). */
export async function resyncCampaignAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireAdmin();
  const campaignId = parseId(form);
  if (!campaignId) return unknownCampaign();
  const r = await reconcile(getAppDb(), { trigger: "manual", campaignId }, { postmark: getSendingDeps().postmark, now: () => new Date(), budgetMs: 45_000 });
  if (r.skipped) return { ok: false, error: "Another reconciliation run is in progress; try again in a minute." };
  revalidatePath(`/campaigns/${campaignId}`);
  return { ok: true, message: `Checked ${r.checked} message(s), recovered ${r.recovered} event(s)${r.remaining ? `; ${r.remaining} left for the next run` : ""}.` };
}

/** The sender check's refusal lifted for this campaign by an admin; recorded (who, when) and shown on the page. */
export async function overrideSenderCheckAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const admin = await requireAdmin();
  const campaignId = parseId(form);
  if (!campaignId) return unknownCampaign();
  try {
    await overrideSenderCheck(getAppDb(), { campaignId, actor: admin.email }, new Date());
  } catch (error) {
    return fromError(error);
  }
  revalidatePath(`/campaigns/${campaignId}`);
  return { ok: true, message: "Override recorded: this campaign can be sent despite the sender check." };
}

/** Runs the sender check now (after fixing DNS or verifying in Postmark) and shows the result. */
export async function recheckSenderAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const campaignId = parseId(form);
  if (!campaignId) return unknownCampaign();
  let problems: string[];
  try {
    problems = (await recheckCampaignSender(getAppDb(), { campaignId }, getSenderCheckDeps())).problems;
  } catch (error) {
    return fromError(error);
  }
  revalidatePath(`/campaigns/${campaignId}`);
  return problems.length ? { ok: false, error: `${problems.length} problem(s) left; see the sender check.` } : { ok: true, message: "The sender domain is ready for bulk mail." };
}
