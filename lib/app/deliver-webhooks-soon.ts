import { afterResponse } from "@/lib/app/after-response";
import { continueChain, DELIVER_WEBHOOKS_ROUTE } from "@/lib/app/continue-sending";
import { getAppDb, getOutboundDeps } from "@/lib/app/deps";
import { runDeliverOutboundWebhooks } from "@/lib/jobs/deliver-outbound-webhooks";

/**
 * Runs the outbound delivery loop once the response has gone out (after "retry now"), so a delivery
 * made due is attempted within moments, not at the next cron minute. No lingering: it stops when
 * nothing more is due; what it leaves for later the cron (or a chained run) picks up.
 */
export function deliverWebhooksAfterResponse(): void {
  afterResponse(async () => {
    try {
      const { outboundWebhooks } = await runDeliverOutboundWebhooks(getAppDb(), { budgetMs: 20_000 }, getOutboundDeps());
      await continueChain(DELIVER_WEBHOOKS_ROUTE, { stoppedBy: outboundWebhooks.stoppedBy, token: null });
    } catch (error) {
      console.error("[outbound-webhooks] delivering after a retry failed; the cron will deliver", error);
    }
  });
}
