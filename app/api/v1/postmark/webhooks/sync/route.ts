import { apiRoute } from "@/lib/app/api-route";
import { getPostlineWebhookConfig, getSendingDeps } from "@/lib/app/deps";
import { syncWebhooks } from "@/lib/postmark-admin/webhooks";

export const dynamic = "force-dynamic";

/**
 * Creates or corrects Postline's webhook on each stream in Postmark. Answers 200 with each stream's
 * outcome (`ok: false` and the stream's `error` when Postmark refused it), since a refusal is
 * Postmark's answer about Postline's configuration, not a fault in the request.
 */
export const POST = apiRoute({ role: "admin" }, () => syncWebhooks(getSendingDeps().postmark, getPostlineWebhookConfig()));
