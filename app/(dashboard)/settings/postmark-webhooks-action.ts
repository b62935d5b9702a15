"use server";

import { revalidatePath } from "next/cache";
import type { ActionResult } from "@/lib/app/action-result";
import { getPostlineWebhookConfig, getSendingDeps } from "@/lib/app/deps";
import { requireAdmin } from "@/lib/app/session";
import { syncWebhooks } from "@/lib/postmark-admin/webhooks";

/** Settings → Postmark → Connect: the same work as POST /api/v1/postmark/webhooks/sync. */
export async function syncPostmarkWebhooksAction(_prev: ActionResult | null): Promise<ActionResult> {
  await requireAdmin();
  const result = await syncWebhooks(getSendingDeps().postmark, getPostlineWebhookConfig());
  revalidatePath("/settings");
  const done = result.streams.filter((s) => s.action !== "failed").map((s) => `${s.stream}: ${s.action}`);
  const failed = result.streams.filter((s) => s.action === "failed").map((s) => `${s.stream}: ${s.error?.message ?? "failed"}`);
  if (failed.length) return { ok: false, error: [...failed, ...done].join(" · ") };
  return { ok: true, message: `Postmark's webhooks are right (${done.join(", ")}).` };
}
