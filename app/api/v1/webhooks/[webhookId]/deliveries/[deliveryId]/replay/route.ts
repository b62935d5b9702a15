import { apiRoute } from "@/lib/app/api-route";
import { toApiDelivery } from "@/lib/outbound-webhooks/api";
import { replayDelivery } from "@/lib/outbound-webhooks/delivery-log";
import { getOutboundDeps } from "@/lib/app/deps";
import { pathId, pathSerial } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** Queues one delivery again (same event, same webhook-id) at the end of the endpoint's queue; answers the new delivery. */
export const POST = apiRoute<{ webhookId: string; deliveryId: string }>({ role: "admin" }, async ({ db, params }) => {
  const replay = await replayDelivery(db, { endpointId: pathId(params.webhookId, "Webhook endpoint"), deliveryId: pathSerial(params.deliveryId, "Delivery") }, getOutboundDeps());
  return Response.json({ data: toApiDelivery(replay) }, { status: 202 });
});
