import { apiRoute } from "@/lib/app/api-route";
import { deliverWebhooksAfterResponse } from "@/lib/app/deliver-webhooks-soon";
import { getOutboundDeps } from "@/lib/app/deps";
import { toApiDelivery } from "@/lib/outbound-webhooks/api";
import { retryDeliveryNow } from "@/lib/outbound-webhooks/delivery-log";
import { pathId, pathSerial } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** Makes a failing delivery that waits for its retry due now (the same delivery, not a copy) and starts delivering; answers the delivery. */
export const POST = apiRoute<{ webhookId: string; deliveryId: string }>({ role: "admin" }, async ({ db, params }) => {
  const delivery = await retryDeliveryNow(db, { endpointId: pathId(params.webhookId, "Webhook endpoint"), deliveryId: pathSerial(params.deliveryId, "Delivery") }, getOutboundDeps());
  deliverWebhooksAfterResponse();
  return Response.json({ data: toApiDelivery(delivery) }, { status: 202 });
});
