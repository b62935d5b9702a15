import { apiRoute } from "@/lib/app/api-route";
import { toApiEndpoint } from "@/lib/outbound-webhooks/api";
import { archiveEndpoint } from "@/lib/outbound-webhooks/endpoints";
import { getOutboundDeps } from "@/lib/app/deps";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ webhookId: string }>({ role: "admin" }, async ({ db, params }) => {
  return toApiEndpoint(await archiveEndpoint(db, pathId(params.webhookId, "Webhook endpoint"), getOutboundDeps()));
});
