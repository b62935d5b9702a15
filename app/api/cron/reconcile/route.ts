import { cronRoute } from "@/lib/app/api-route";
import { getAlertEmailer, getPostlineWebhookConfig, getSendingDeps, getSuppressionSyncDeps } from "@/lib/app/deps";
import { getEnv } from "@/lib/env";
import { runReconcile } from "@/lib/jobs/reconcile";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("reconcile", ({ db }) => {
  const sending = getSendingDeps();
  return runReconcile(db, { postmark: sending.postmark, sending, emailer: getAlertEmailer(), webhooks: getPostlineWebhookConfig(), now: () => new Date(), budgetMs: 50_000, suppressions: getSuppressionSyncDeps(), rawRetentionDays: getEnv().RAW_EVENT_RETENTION_DAYS });
});
