import { afterResponse } from "@/lib/app/after-response";
import { requestClientIp } from "@/lib/app/client-ip";
import { handlePostmarkWebhook } from "@/lib/ingest/webhook";
import { getAlertEmailer, getAppDb, getIngestBatcher, getWebhookConfig } from "@/lib/app/deps";

export const dynamic = "force-dynamic";

// Per-instance memory of sources over the abuse limit (the limit itself is counted in PostgreSQL).
const blocked = new Map<string, number>();

export async function POST(req: Request) {
  if (blocked.size > 10_000) blocked.clear();
  return handlePostmarkWebhook(req, {
    db: getAppDb(),
    config: getWebhookConfig(),
    ip: requestClientIp((name) => req.headers.get(name)),
    emailer: getAlertEmailer(),
    // A credential failure's alert email goes after the response, never inside it.
    afterResponse,
    blocked,
    now: () => new Date(),
    ingest: getIngestBatcher().ingest,
  });
}
