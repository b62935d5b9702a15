import { apiRoute } from "@/lib/app/api-route";
import { toApiEndpoint, toApiSignature } from "@/lib/outbound-webhooks/api";
import { rotateSecret } from "@/lib/outbound-webhooks/endpoints";
import { getOutboundDeps } from "@/lib/app/deps";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** A new secret; the old one keeps signing beside it for 24 hours (previous_key_expires_at). */
export const POST = apiRoute<{ webhookId: string }>({ role: "admin" }, async ({ db, params, principal }) => {
  const rotated = await rotateSecret(db, { id: pathId(params.webhookId, "Webhook endpoint"), actor: { via: "api", apiKeyId: principal.apiKeyId, userId: principal.userId } }, getOutboundDeps());
  return { ...toApiEndpoint(rotated.endpoint), signature: toApiSignature(rotated) };
});
