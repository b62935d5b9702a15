import { afterResponse } from "@/lib/app/after-response";
import { cronRoute } from "@/lib/app/api-route";
import { chainToken, continueChain, DELIVER_WEBHOOKS_ROUTE } from "@/lib/app/continue-sending";
import { getOutboundDeps } from "@/lib/app/deps";
import { runDeliverOutboundWebhooks } from "@/lib/jobs/deliver-outbound-webhooks";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("deliver-webhooks", async ({ db, req }) => {
  // Lingers up to 40 s for new events while an endpoint is active (see the job).
  const result = await runDeliverOutboundWebhooks(db, { lingerMs: 40_000 }, getOutboundDeps());
  const token = chainToken(req);
  afterResponse(() => continueChain(DELIVER_WEBHOOKS_ROUTE, { stoppedBy: result.outboundWebhooks.stoppedBy, token }));
  return result;
});
