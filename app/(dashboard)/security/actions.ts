"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { invalid, type ActionResult } from "@/lib/app/action-result";
import { acknowledgeAlert } from "@/lib/alerts/alerts";
import { requireAdmin } from "@/lib/app/session";
import { acknowledgeSuspiciousRequests } from "@/lib/security/suspicious-requests";
import { getAppDb } from "@/lib/app/deps";
import { formatNumber } from "@/components/ui/format";

export async function acknowledgeAlertAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const admin = await requireAdmin();
  const id = z.coerce.number().int().positive().safeParse(form.get("alertId"));
  if (!id.success) return { ok: false, error: "Unknown alert" };
  await acknowledgeAlert(getAppDb(), { id: id.data, userId: admin.id }, new Date());
  revalidatePath("/security");
  return { ok: true, message: "Acknowledged." };
}

// An empty field is no filter; a date that is not one is refused (an Invalid Date reached SQL before).
const optionalDate = z
  .string()
  .max(40)
  .optional()
  .transform((v) => (v ? new Date(v) : undefined))
  .refine((d) => d === undefined || !Number.isNaN(d.getTime()), "Not a valid date");

const filterSchema = z.object({
  reason: z.string().max(100).optional().transform((v) => v || undefined),
  ip: z.string().max(64).optional().transform((v) => v || undefined),
  from: optionalDate,
  to: optionalDate,
});

export async function acknowledgeSuspiciousAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const admin = await requireAdmin();
  const parsed = filterSchema.safeParse({ reason: form.get("reason") ?? undefined, ip: form.get("ip") ?? undefined, from: form.get("from") ?? undefined, to: form.get("to") ?? undefined });
  if (!parsed.success) return invalid(parsed.error);
  const filter = parsed.data;
  const n = await acknowledgeSuspiciousRequests(getAppDb(), { filter, userId: admin.id }, new Date());
  revalidatePath("/security");
  return { ok: true, message: `${formatNumber(n)} request(s) marked as reviewed.` };
}
