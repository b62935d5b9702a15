import { afterResponse } from "@/lib/app/after-response";
import { cronRoute } from "@/lib/app/api-route";
import { chainSending, chainToken } from "@/lib/app/continue-sending";
import { getBreakerDeps, getSendingDeps } from "@/lib/app/deps";
import { runSendCampaigns } from "@/lib/jobs/send-campaigns";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("send", async ({ db, req }) => {
  const result = await runSendCampaigns(db, {}, getSendingDeps(), getBreakerDeps());
  const token = chainToken(req);
  afterResponse(() => chainSending({ stoppedBy: result.sending.stoppedBy, token }));
  return result;
});
