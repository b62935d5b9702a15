import { apiRoute } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { resumeCampaign } from "@/lib/campaigns/campaigns";
import { advanceSendingAfterResponse } from "@/lib/app/continue-sending";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ campaignId: string }>({}, async ({ db, params, principal }) => {
  const id = pathId(params.campaignId, "Campaign");
  const campaign = await resumeCampaign(db, id, new Date(), principal);
  advanceSendingAfterResponse();
  return toApiCampaign(campaign);
});
