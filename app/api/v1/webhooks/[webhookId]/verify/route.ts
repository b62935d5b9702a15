import { apiRoute, errorResponse } from "@/lib/app/api-route";
import { toApiEndpoint, toApiVerification } from "@/lib/outbound-webhooks/api";
import { verifyEndpoint } from "@/lib/outbound-webhooks/endpoints";
import { getOutboundDeps } from "@/lib/app/deps";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** Fetches postline-<token>.txt from the callback URL's folder; 422 with the reason when it is not there. */
export const POST = apiRoute<{ webhookId: string }>({ role: "admin" }, async ({ db, params }) => {
  const result = await verifyEndpoint(db, pathId(params.webhookId, "Webhook endpoint"), getOutboundDeps());
  if (!result.ok) return errorResponse("verification_failed", result.message, { verification: toApiVerification(result.endpoint) });
  return { ...toApiEndpoint(result.endpoint), verified: true };
});
