import { z } from "zod";
import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiEndpoint, toApiSignature } from "@/lib/outbound-webhooks/api";
import { getEndpointOrThrow, revealSecret, updateEndpoint } from "@/lib/outbound-webhooks/endpoints";
import { getOutboundDeps } from "@/lib/app/deps";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** One endpoint with its signing secret; the reveal is recorded against the API key. */
export const GET = apiRoute<{ webhookId: string }>({ role: "admin" }, async ({ db, params, principal }) => {
  const endpoint = await getEndpointOrThrow(db, pathId(params.webhookId, "Webhook endpoint"));
  const secret = await revealSecret(db, { id: endpoint.id, actor: { via: "api", apiKeyId: principal.apiKeyId, userId: principal.userId } }, getOutboundDeps());
  return { ...toApiEndpoint(endpoint), signature: toApiSignature(secret) };
});

export const PATCH = apiRoute<{ webhookId: string }>({ role: "admin" }, async ({ req, db, params }) => {
  const body = await readJson(req, z.record(z.string(), z.unknown()), 64 * 1024);
  return toApiEndpoint(await updateEndpoint(db, { id: (await getEndpointOrThrow(db, pathId(params.webhookId, "Webhook endpoint"))).id, settings: body as never }, getOutboundDeps()));
});
