import { z } from "zod";
import { apiRoute, readOptionalJson } from "@/lib/app/api-route";
import { toApiTestOutcome } from "@/lib/outbound-webhooks/api";
import { webhookEventTypeSchema } from "@/lib/outbound-webhooks/events";
import { sendTestEventToAll } from "@/lib/outbound-webhooks/test-send";
import { getOutboundDeps } from "@/lib/app/deps";

export const dynamic = "force-dynamic";

/**
 * The test to every verified endpoint at once, answered per endpoint: each entry is `sent: true` with
 * the exchange, or `sent: false` with that endpoint's `error: { code, message }` (e.g. rate_limited).
 */
export const POST = apiRoute({ role: "admin" }, async ({ req, db }) => {
  const body = await readOptionalJson(req, z.strictObject({ event: webhookEventTypeSchema.optional() }));
  return (await sendTestEventToAll(db, body, getOutboundDeps())).map(toApiTestOutcome);
});
