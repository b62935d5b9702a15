import { apiRoute } from "@/lib/app/api-route";
import { getPostlineWebhookConfig, getSenderCheckDeps, getSendingDeps, getSuppressionSyncDeps } from "@/lib/app/deps";
import { getEnv } from "@/lib/env";
import { getPostmarkStatus } from "@/lib/postmark-admin/status";

export const dynamic = "force-dynamic";

/** How Postmark is set up for Postline, read from Postmark now: webhooks, suppressions, sender checks. */
export const GET = apiRoute({ role: "admin" }, ({ db }) =>
  getPostmarkStatus(db, {
    postmark: getSendingDeps().postmark,
    webhooks: getPostlineWebhookConfig(),
    broadcastStream: getSuppressionSyncDeps().broadcastStream,
    sender: { fromEmail: getEnv().POSTMARK_FROM_EMAIL, checks: getSenderCheckDeps() },
    now: () => new Date(),
  }),
);
