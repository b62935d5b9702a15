"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { fieldErrors, fromError, type ActionResult } from "@/lib/app/action-result";
import { requireAdmin } from "@/lib/app/session";
import { replayDelivery, replayFailedDeliveries, retryDeliveryNow } from "@/lib/outbound-webhooks/delivery-log";
import { deliverWebhooksAfterResponse } from "@/lib/app/deliver-webhooks-soon";
import { archiveEndpoint, createEndpoint, revealSecret, rotateSecret, updateEndpoint, verifyEndpoint } from "@/lib/outbound-webhooks/endpoints";
import { webhookEventTypeSchema, WEBHOOK_EVENT_TYPES } from "@/lib/outbound-webhooks/events";
import { sendTestEvent, type TestSendResult } from "@/lib/outbound-webhooks/test-send";
import { getAppDb, getOutboundDeps } from "@/lib/app/deps";
import { idField } from "@/lib/http/id";

const idSchema = idField("Unknown endpoint");

const formSchema = z.object({
  url: z.string().trim().min(1, "Enter the URL that receives the events").max(2000),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1, "Pick at least one event"),
  rate_limit: z.coerce.number({ error: "Enter a whole number" }).int("Enter a whole number").min(1, "At least 1").max(100_000, "At most 100,000"),
  rate_limit_period: z.enum(["second", "minute", "hour", "day"]),
  description: z.string().trim().max(200).default(""),
});

function readForm(form: FormData) {
  return formSchema.safeParse({
    url: form.get("url"),
    events: form.getAll("events"),
    rate_limit: form.get("rate_limit"),
    rate_limit_period: form.get("rate_limit_period"),
    description: form.get("description") ?? "",
  });
}

const urlErrors = { url_refused: "url", invalid_url: "url", url_unresolvable: "url" };

export async function createEndpointAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const admin = await requireAdmin();
  const parsed = readForm(form);
  if (!parsed.success) return { ok: false, error: "Check the highlighted fields", fieldErrors: fieldErrors(parsed.error) };
  let id: string;
  try {
    const endpoint = await createEndpoint(getAppDb(), { settings: parsed.data, actor: { via: "dashboard", userId: admin.id } }, getOutboundDeps());
    id = endpoint.id;
  } catch (error) {
    return fromError(error, urlErrors);
  }
  revalidatePath("/webhooks");
  redirect(`/webhooks/${id}`);
}

export async function updateEndpointAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireAdmin();
  const id = idSchema.safeParse(form.get("endpointId"));
  if (!id.success) return { ok: false, error: "Unknown endpoint" };
  const parsed = readForm(form);
  if (!parsed.success) return { ok: false, error: "Check the highlighted fields", fieldErrors: fieldErrors(parsed.error) };
  try {
    const endpoint = await updateEndpoint(getAppDb(), { id: id.data, settings: parsed.data }, getOutboundDeps());
    revalidatePath("/webhooks");
    revalidatePath(`/webhooks/${id.data}`);
    return { ok: true, message: endpoint.status === "pending_verification" ? "Saved. The URL changed: publish the new verification file and verify again." : "Saved." };
  } catch (error) {
    return fromError(error, urlErrors);
  }
}

export async function archiveEndpointAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireAdmin();
  const id = idSchema.safeParse(form.get("endpointId"));
  if (!id.success) return { ok: false, error: "Unknown endpoint" };
  try {
    await archiveEndpoint(getAppDb(), id.data, getOutboundDeps());
  } catch (error) {
    return fromError(error);
  }
  revalidatePath("/webhooks");
  revalidatePath(`/webhooks/${id.data}`);
  return { ok: true, message: "Archived: nothing more is sent to this endpoint." };
}

export async function verifyEndpointAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireAdmin();
  const id = idSchema.safeParse(form.get("endpointId"));
  if (!id.success) return { ok: false, error: "Unknown endpoint" };
  try {
    const result = await verifyEndpoint(getAppDb(), id.data, getOutboundDeps());
    revalidatePath("/webhooks");
    revalidatePath(`/webhooks/${id.data}`);
    return result.ok ? { ok: true, message: result.message } : { ok: false, error: result.message };
  } catch (error) {
    return fromError(error);
  }
}

export type SecretView = { key: string; previousKey: string | null; previousKeyExpiresAt: string | null };

export async function revealSecretAction(_prev: ActionResult<SecretView> | null, form: FormData): Promise<ActionResult<SecretView>> {
  const admin = await requireAdmin();
  const id = idSchema.safeParse(form.get("endpointId"));
  if (!id.success) return { ok: false, error: "Unknown endpoint" };
  try {
    const s = await revealSecret(getAppDb(), { id: id.data, actor: { via: "dashboard", userId: admin.id } }, getOutboundDeps());
    revalidatePath(`/webhooks/${id.data}`);
    return { ok: true, message: "This reveal was recorded.", data: { key: s.key, previousKey: s.previousKey, previousKeyExpiresAt: s.previousKeyExpiresAt?.toISOString() ?? null } };
  } catch (error) {
    return fromError(error);
  }
}

export async function rotateSecretAction(_prev: ActionResult<SecretView> | null, form: FormData): Promise<ActionResult<SecretView>> {
  const admin = await requireAdmin();
  const id = idSchema.safeParse(form.get("endpointId"));
  if (!id.success) return { ok: false, error: "Unknown endpoint" };
  try {
    const s = await rotateSecret(getAppDb(), { id: id.data, actor: { via: "dashboard", userId: admin.id } }, getOutboundDeps());
    revalidatePath(`/webhooks/${id.data}`);
    return {
      ok: true,
      message: "New secret created. The old one keeps signing beside it for 24 hours: update your receiver before then.",
      data: { key: s.key, previousKey: s.previousKey, previousKeyExpiresAt: s.previousKeyExpiresAt?.toISOString() ?? null },
    };
  } catch (error) {
    return fromError(error);
  }
}

export async function sendTestAction(_prev: ActionResult<TestSendResult> | null, form: FormData): Promise<ActionResult<TestSendResult>> {
  await requireAdmin();
  const id = idSchema.safeParse(form.get("endpointId"));
  if (!id.success) return { ok: false, error: "Unknown endpoint" };
  const event = webhookEventTypeSchema.safeParse(form.get("event") || "Webhook.Test");
  if (!event.success) return { ok: false, error: "Pick an event to send", fieldErrors: { event: "Pick an event to send" } };
  try {
    const result = await sendTestEvent(getAppDb(), { endpointId: id.data, event: event.data }, getOutboundDeps());
    revalidatePath(`/webhooks/${id.data}`);
    return { ok: true, message: result.ok ? `Delivered: HTTP ${result.response?.status} in ${result.latencyMs} ms` : `Not delivered: ${result.error}`, data: result };
  } catch (error) {
    return fromError(error);
  }
}

export async function replayDeliveryAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireAdmin();
  const id = idSchema.safeParse(form.get("endpointId"));
  const deliveryId = z.coerce.number().int().positive().safeParse(form.get("deliveryId"));
  if (!id.success || !deliveryId.success) return { ok: false, error: "Unknown delivery" };
  try {
    await replayDelivery(getAppDb(), { endpointId: id.data, deliveryId: deliveryId.data }, getOutboundDeps());
  } catch (error) {
    return fromError(error);
  }
  revalidatePath(`/webhooks/${id.data}`);
  return { ok: true, message: "Queued again." };
}

/** "Retry now" on a failing delivery waiting for its retry: due at once, and the delivery loop starts. */
export async function retryDeliveryNowAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireAdmin();
  const id = idSchema.safeParse(form.get("endpointId"));
  const deliveryId = z.coerce.number().int().positive().safeParse(form.get("deliveryId"));
  if (!id.success || !deliveryId.success) return { ok: false, error: "Unknown delivery" };
  try {
    await retryDeliveryNow(getAppDb(), { endpointId: id.data, deliveryId: deliveryId.data }, getOutboundDeps());
  } catch (error) {
    return fromError(error);
  }
  deliverWebhooksAfterResponse();
  revalidatePath(`/webhooks/${id.data}`);
  return { ok: true, message: "Retrying now." };
}

const rangeSchema = z
  .object({ from: z.coerce.date({ error: "Pick a start" }), to: z.coerce.date({ error: "Pick an end" }) })
  .refine((v) => v.from <= v.to, { message: "The start must be before the end", path: ["to"] });

export async function replayRangeAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireAdmin();
  const id = idSchema.safeParse(form.get("endpointId"));
  if (!id.success) return { ok: false, error: "Unknown endpoint" };
  // datetime-local inputs carry no zone: the form states they are UTC.
  const parsed = rangeSchema.safeParse({ from: `${form.get("from")}Z`, to: `${form.get("to")}Z` });
  if (!parsed.success) return { ok: false, error: "Check the highlighted fields", fieldErrors: fieldErrors(parsed.error) };
  try {
    const n = (await replayFailedDeliveries(getAppDb(), { ...parsed.data, endpointId: id.data }, getOutboundDeps())).length;
    revalidatePath(`/webhooks/${id.data}`);
    return { ok: true, message: n === 0 ? "No failed deliveries in that range." : `${n} failed ${n === 1 ? "delivery" : "deliveries"} queued again.` };
  } catch (error) {
    return fromError(error);
  }
}
