import { afterResponse } from "@/lib/app/after-response";
import { cronRoute } from "@/lib/app/api-route";
import { chainSending, chainToken } from "@/lib/app/continue-sending";
import { getBreakerDeps, getSendingDeps } from "@/lib/app/deps";
import { runSendCampaigns, SENDING_SKIPPED, sendingRunAlive } from "@/lib/jobs/send-campaigns";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("send", async ({ db, req }) => {
  const token = chainToken(req);
  // A scheduled tick is the safety net: while a run is sending (a chain's link, the send action, a
  // restart), it starts no second one beside it (lib/jobs/runs.ts). A chain's link always runs.
  if (token === null && (await sendingRunAlive(db))) return { sending: SENDING_SKIPPED };
  const result = await runSendCampaigns(db, {}, getSendingDeps(), getBreakerDeps());
  afterResponse(() => chainSending({ stoppedBy: result.sending.stoppedBy, token }));
  return result;
});
