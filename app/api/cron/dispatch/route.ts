/**
 * Deprecated: the cron route before each job had its own (send, deliver-webhooks, alert-digests).
 * vercel.json no longer names it; it stays so a deployment or a script still calling it keeps working,
 * and runs the three jobs as it always did: sending and outbound delivery side by side, then digests.
 */
import { afterResponse } from "@/lib/app/after-response";
import { cronRoute } from "@/lib/app/api-route";
import { chainSending, continueChain, DELIVER_WEBHOOKS_ROUTE } from "@/lib/app/continue-sending";
import { getAlertEmailer, getBreakerDeps, getOutboundDeps, getSendingDeps } from "@/lib/app/deps";
import { runDeliverOutboundWebhooks } from "@/lib/jobs/deliver-outbound-webhooks";
import { runSendAlertDigests } from "@/lib/jobs/send-alert-digests";
import { runSendCampaigns, SENDING_SKIPPED, sendingRunAlive } from "@/lib/jobs/send-campaigns";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("dispatch", async ({ db }) => {
  // A tick like /api/cron/send's: no sending run beside one in progress.
  const sendingAlready = await sendingRunAlive(db);
  const [{ sending }, { outboundWebhooks }] = await Promise.all([
    sendingAlready ? { sending: SENDING_SKIPPED } : runSendCampaigns(db, {}, getSendingDeps(), getBreakerDeps()),
    runDeliverOutboundWebhooks(db, { lingerMs: 40_000 }, getOutboundDeps()),
  ]);
  const { alertDigests } = await runSendAlertDigests(db, { emailer: getAlertEmailer(), now: new Date() });
  // Not a link of either chain: it continues one only when none is alive.
  if ("stoppedBy" in sending) afterResponse(() => chainSending({ stoppedBy: sending.stoppedBy, token: null }));
  afterResponse(() => continueChain(DELIVER_WEBHOOKS_ROUTE, { stoppedBy: outboundWebhooks.stoppedBy, token: null }));
  return { sending, alertDigests, outboundWebhooks };
});
