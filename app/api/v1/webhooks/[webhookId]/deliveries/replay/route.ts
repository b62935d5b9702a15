import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiReplayed } from "@/lib/outbound-webhooks/api";
import { replayFailedDeliveries, replayRangeSchema } from "@/lib/outbound-webhooks/delivery-log";
import { getOutboundDeps } from "@/lib/app/deps";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** Replays every failed delivery created in `{ from, to }`; answers how many and which were queued. */
export const POST = apiRoute<{ webhookId: string }>({ role: "admin" }, async ({ req, db, params }) => {
  const range = await readJson(req, replayRangeSchema, 4096);
  return toApiReplayed(await replayFailedDeliveries(db, { ...range, endpointId: pathId(params.webhookId, "Webhook endpoint") }, getOutboundDeps()));
});
