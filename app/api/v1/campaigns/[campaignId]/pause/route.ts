import { z } from "zod";
import { apiRoute } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { pauseCampaign } from "@/lib/campaigns/campaigns";


export const dynamic = "force-dynamic";

export const POST = apiRoute<{ campaignId: string }>({}, async ({ db, params }) => {
  const id = z.string().uuid("Unknown campaign id").parse(params.campaignId);
  const campaign = await pauseCampaign(db, id, new Date());

  return toApiCampaign(campaign);
});
