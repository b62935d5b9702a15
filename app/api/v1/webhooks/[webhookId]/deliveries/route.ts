import { apiRoute } from "@/lib/app/api-route";
import { toApiDelivery } from "@/lib/outbound-webhooks/api";
import { deliveryFilterSchema, listDeliveries } from "@/lib/outbound-webhooks/delivery-log";
import { getEndpointOrThrow } from "@/lib/outbound-webhooks/endpoints";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** The delivery log, newest first: `status`, `from`, `to` (created), `before` (an id, for the next page), `limit`. */
export const GET = apiRoute<{ webhookId: string }>({ role: "admin" }, async ({ req, db, params }) => {
  const endpoint = await getEndpointOrThrow(db, pathId(params.webhookId, "Webhook endpoint"));
  const filter = deliveryFilterSchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  return (await listDeliveries(db, { endpointId: endpoint.id, filter })).map(toApiDelivery);
});
