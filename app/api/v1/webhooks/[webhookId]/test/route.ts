import { z } from "zod";
import { apiRoute, readOptionalJson } from "@/lib/app/api-route";
import { toApiTestResult } from "@/lib/outbound-webhooks/api";
import { webhookEventTypeSchema } from "@/lib/outbound-webhooks/events";
import { sendTestEvent } from "@/lib/outbound-webhooks/test-send";
import { getOutboundDeps } from "@/lib/app/deps";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** Sends Webhook.Test (or `{ "event": "<type>" }`, a sample of that event) now and shows the exchange. */
export const POST = apiRoute<{ webhookId: string }>({ role: "admin" }, async ({ req, db, params }) => {
  const body = await readOptionalJson(req, z.strictObject({ event: webhookEventTypeSchema.optional() }));
  return toApiTestResult(await sendTestEvent(db, { ...body, endpointId: pathId(params.webhookId, "Webhook endpoint") }, getOutboundDeps()));
});
