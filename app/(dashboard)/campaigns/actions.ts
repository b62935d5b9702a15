"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { fromError, invalid, type ActionResult } from "@/lib/app/action-result";
import { requireAdmin, requireUser } from "@/lib/app/session";
import { reconcile } from "@/lib/reconcile/run";
import {
  campaignInputSchema,
  cancelCampaign,
  createCampaign,
  getCampaignOrThrow,
  pauseCampaign,
  resumeCampaign,
  scheduleCampaign,
  startCampaignSend,
  updateCampaign,
} from "@/lib/campaigns/campaigns";
import { compileTemplate, renderTemplate } from "@/lib/campaigns/template";
import { getEnv } from "@/lib/env";
import { sendSingleEmail } from "@/lib/sending/single-email";
import { advanceSendingAfterResponse } from "@/lib/app/continue-sending";
import { getAppDb, getSendingDeps } from "@/lib/app/deps";

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
    list_ids: audience === "lists" ? form.getAll("list_ids").map(String) : [],
  });
}

export async function saveCampaignAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser("marketer");
  const parsed = campaignFromForm(form);
  if (!parsed.success) return invalid(parsed.error);
  if (form.get("audience") === "lists" && (parsed.data.list_ids ?? []).length === 0) {
    return { ok: false, error: "Choose at least one list, or send to every subscribed contact", fieldErrors: { list_ids: "Choose at least one list" } };
  }
  const id = String(form.get("campaignId") ?? "");
  let campaignId: string;
  try {
    const db = getAppDb();
    campaignId = id
      ? (await updateCampaign(db, id, parsed.data)).id
      : (await createCampaign(db, parsed.data, { defaultFrom: getEnv().POSTMARK_FROM_EMAIL, createdById: user.id })).id;
  } catch (error) {
    return fromError(error, { invalid_template: "html" });
  }
  revalidatePath("/campaigns");
  redirect(`/campaigns/${campaignId}`);
}

const idSchema = z.object({ campaignId: z.string().uuid() });

export async function sendCampaignAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const { campaignId } = idSchema.parse(Object.fromEntries(form));
  try {
    const c = await startCampaignSend(getAppDb(), campaignId, { stream: getEnv().POSTMARK_BROADCAST_STREAM });
    advanceSendingAfterResponse();
    revalidatePath(`/campaigns/${campaignId}`);
    return { ok: true, message: `Sending to ${c.recipientCount.toLocaleString("en")} recipients.` };
  } catch (error) {
    return fromError(error);
  }
}

export async function scheduleCampaignAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const parsed = z
    .object({ campaignId: z.string().uuid(), scheduledAt: z.string().min(1, "Pick a date and time"), timezoneOffset: z.coerce.number().int().default(0) })
    .safeParse(Object.fromEntries(form));
  if (!parsed.success) return invalid(parsed.error);
  // <input type="datetime-local"> has no zone: the browser sends its offset so "9:00" means its 9:00.
  const local = new Date(`${parsed.data.scheduledAt}:00Z`);
  if (Number.isNaN(local.getTime())) return { ok: false, error: "Pick a valid date and time", fieldErrors: { scheduledAt: "Not a valid date" } };
  const at = new Date(local.getTime() + parsed.data.timezoneOffset * 60_000);
  try {
    await scheduleCampaign(getAppDb(), parsed.data.campaignId, at);
  } catch (error) {
    return fromError(error, { invalid_schedule: "scheduledAt" });
  }
  revalidatePath(`/campaigns/${parsed.data.campaignId}`);
  return { ok: true, message: `Scheduled for ${at.toISOString().replace("T", " ").slice(0, 16)} UTC.` };
}

async function simpleTransition(form: FormData, fn: (id: string) => Promise<unknown>, done: string): Promise<ActionResult> {
  await requireUser("marketer");
  const { campaignId } = idSchema.parse(Object.fromEntries(form));
  try {
    await fn(campaignId);
  } catch (error) {
    return fromError(error);
  }
  revalidatePath(`/campaigns/${campaignId}`);
  return { ok: true, message: done };
}

export async function pauseCampaignAction(_prev: ActionResult | null, form: FormData) {
  return simpleTransition(form, (id) => pauseCampaign(getAppDb(), id), "Paused. Batches already handed to Postmark still go out.");
}

export async function resumeCampaignAction(_prev: ActionResult | null, form: FormData) {
  const result = await simpleTransition(form, (id) => resumeCampaign(getAppDb(), id), "Resumed.");
  if (result.ok) advanceSendingAfterResponse();
  return result;
}

export async function cancelCampaignAction(_prev: ActionResult | null, form: FormData) {
  return simpleTransition(form, (id) => cancelCampaign(getAppDb(), id), "Cancelled. Nobody else will receive it.");
}

/** A test send to the signed-in user, personalised with their own name, on the transactional stream. */
export async function testSendAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser("marketer");
  const { campaignId } = idSchema.parse(Object.fromEntries(form));
  const db = getAppDb();
  const deps = getSendingDeps();
  const campaign = await getCampaignOrThrow(db, campaignId);
  const recipient = { email: user.email, name: user.name, fields: {}, unsubscribeUrl: `${getEnv().APP_URL}/u/test` };
  const message = await sendSingleEmail(db, deps, {
    to: user.email,
    from: campaign.fromEmail,
    subject: `[Test] ${renderTemplate(compileTemplate(campaign.subject), recipient, "text")}`,
    html: renderTemplate(compileTemplate(campaign.html), recipient, "html"),
    text: campaign.text ? renderTemplate(compileTemplate(campaign.text), recipient, "text") : undefined,
    tag: "campaign-test",
  });
  if (message.status === "failed") return { ok: false, error: `Postmark refused the test: ${message.errorMessage}` };
  return { ok: true, message: `Test sent to ${user.email}.` };
}

/** Admin: compare every message of the campaign with Postmark now (within one function's time). */
export async function resyncCampaignAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireAdmin();
  const { campaignId } = idSchema.parse(Object.fromEntries(form));
  const r = await reconcile(getAppDb(), { postmark: getSendingDeps().postmark, budgetMs: 45_000 }, { trigger: "manual", campaignId });
  if (r.skipped) return { ok: false, error: "Another reconciliation run is in progress; try again in a minute." };
  revalidatePath(`/campaigns/${campaignId}`);
  return { ok: true, message: `Checked ${r.checked} message(s), recovered ${r.recovered} event(s)${r.remaining ? `; ${r.remaining} left for the next run` : ""}.` };
}
