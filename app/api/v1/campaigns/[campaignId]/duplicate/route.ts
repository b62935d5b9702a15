import { apiRoute } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { getCampaignTargets } from "@/lib/campaigns/audience";
import { duplicateCampaign } from "@/lib/campaigns/campaigns";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** A draft copy named "Copy of …" with the campaign's content, sender and lists (201), from any status. */
export const POST = apiRoute<{ campaignId: string }>({}, async ({ db, params, principal }) => {
  const id = pathId(params.campaignId, "Campaign");
  const copy = await duplicateCampaign(db, { campaignId: id, createdById: principal.userId }, new Date());
  return Response.json({ data: toApiCampaign(copy, { targets: await getCampaignTargets(db, copy.id) }) }, { status: 201 });
});
