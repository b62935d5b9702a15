import { apiRoute } from "@/lib/app/api-route";
import { getPostlineWebhookConfig, getSendingDeps } from "@/lib/app/deps";
import { getPostmarkStatus } from "@/lib/postmark-admin/status";

export const dynamic = "force-dynamic";

/** How Postmark is set up for Postline, read from Postmark now: webhooks, suppressions, sender checks. */
export const GET = apiRoute({ role: "admin" }, ({ db }) =>
  getPostmarkStatus(db, { postmark: getSendingDeps().postmark, webhooks: getPostlineWebhookConfig(), now: () => new Date() }),
);
