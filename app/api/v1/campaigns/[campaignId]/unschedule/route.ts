import { apiRoute } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { getCampaignTargets } from "@/lib/campaigns/audience";
import { unscheduleCampaign } from "@/lib/campaigns/campaigns";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** A scheduled campaign back to draft, content kept; any other status is 409 `invalid_state`. */
export const POST = apiRoute<{ campaignId: string }>({}, async ({ db, params }) => {
  const id = pathId(params.campaignId, "Campaign");
  const campaign = await unscheduleCampaign(db, id, new Date());
  return toApiCampaign(campaign, { targets: await getCampaignTargets(db, id) });
});
