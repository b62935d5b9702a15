"use server";

import { revalidatePath } from "next/cache";
import { fromError, type ActionResult } from "@/lib/app/action-result";
import { requireAdmin } from "@/lib/app/session";
import { resyncMessage } from "@/lib/reconcile/resync";
import { getAppDb, getSendingDeps } from "@/lib/app/deps";
import { idField } from "@/lib/http/id";

export async function resyncMessageAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireAdmin();
  const id = idField().safeParse(form.get("messageId"));
  if (!id.success) return { ok: false, error: "Unknown message" };
  try {
    const r = await resyncMessage(getAppDb(), { messageId: id.data }, getSendingDeps());
    revalidatePath(`/messages/${id.data}`);
    return { ok: true, message: r.recovered ? `Recovered ${r.recovered} event(s) from Postmark.` : "Already up to date with Postmark." };
  } catch (error) {
    return fromError(error);
  }
}
