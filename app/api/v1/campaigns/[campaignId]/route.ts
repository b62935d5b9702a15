import { apiRoute } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { getCampaignListIds, getCampaignOrThrow } from "@/lib/campaigns/campaigns";
import { getCampaignTotals } from "@/lib/campaigns/stats";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ campaignId: string }>({}, async ({ db, params }) => {
  const id = pathId(params.campaignId, "Campaign");
  const [campaign, listIds, totals] = await Promise.all([getCampaignOrThrow(db, id), getCampaignListIds(db, id), getCampaignTotals(db, [id])]);
  return toApiCampaign(campaign, { listIds, totals: totals.get(id) });
});
