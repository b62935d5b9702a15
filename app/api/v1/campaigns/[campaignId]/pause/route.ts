import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { toApiCampaign } from "@/lib/api/resources";
import { pauseCampaign } from "@/lib/campaigns/campaigns";


export const dynamic = "force-dynamic";

export const POST = apiRoute<{ campaignId: string }>({}, async ({ db, params }) => {
  const id = z.string().uuid("Unknown campaign id").parse(params.campaignId);
  const campaign = await pauseCampaign(db, id);

  return toApiCampaign(campaign);
});
