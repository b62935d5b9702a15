import { apiRoute } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { cancelCampaign } from "@/lib/campaigns/campaigns";
import { pathId } from "@/lib/http/id";


export const dynamic = "force-dynamic";

export const POST = apiRoute<{ campaignId: string }>({}, async ({ db, params }) => {
  const id = pathId(params.campaignId, "Campaign");
  const campaign = await cancelCampaign(db, id, new Date());

  return toApiCampaign(campaign);
});
