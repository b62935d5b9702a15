import { apiRoute } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { duplicateCampaign, getCampaignListIds } from "@/lib/campaigns/campaigns";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** A draft copy named "Copy of …" with the campaign's content, sender and lists (201), from any status. */
export const POST = apiRoute<{ campaignId: string }>({}, async ({ db, params, principal }) => {
  const id = pathId(params.campaignId, "Campaign");
  const copy = await duplicateCampaign(db, { campaignId: id, createdById: principal.userId }, new Date());
  return Response.json({ data: toApiCampaign(copy, { listIds: await getCampaignListIds(db, copy.id) }) }, { status: 201 });
});
