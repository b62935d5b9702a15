"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionResult } from "@/lib/app/action-result";
import { acknowledgeAlert } from "@/lib/alerts/alerts";
import { requireAdmin } from "@/lib/app/session";
import { acknowledgeSuspiciousRequests } from "@/lib/security/suspicious-requests";
import { getAppDb } from "@/lib/app/deps";

export async function acknowledgeAlertAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const admin = await requireAdmin();
  const id = z.coerce.number().int().positive().safeParse(form.get("alertId"));
  if (!id.success) return { ok: false, error: "Unknown alert" };
  await acknowledgeAlert(getAppDb(), id.data, admin.id);
  revalidatePath("/security");
  return { ok: true, message: "Acknowledged." };
}

const filterSchema = z.object({
  reason: z.string().max(100).optional().transform((v) => v || undefined),
  ip: z.string().max(64).optional().transform((v) => v || undefined),
  from: z.string().optional().transform((v) => (v ? new Date(v) : undefined)),
  to: z.string().optional().transform((v) => (v ? new Date(v) : undefined)),
});

export async function acknowledgeSuspiciousAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const admin = await requireAdmin();
  const filter = filterSchema.parse(Object.fromEntries(form));
  const n = await acknowledgeSuspiciousRequests(getAppDb(), filter, admin.id);
  revalidatePath("/security");
  return { ok: true, message: `${n.toLocaleString("en")} request(s) marked as reviewed.` };
}
