import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { toApiCampaign } from "@/lib/api/resources";
import { resumeCampaign } from "@/lib/campaigns/campaigns";
import { advanceSendingAfterResponse } from "@/lib/sending/kick";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ campaignId: string }>({}, async ({ db, params }) => {
  const id = z.string().uuid("Unknown campaign id").parse(params.campaignId);
  const campaign = await resumeCampaign(db, id);
  advanceSendingAfterResponse();
  return toApiCampaign(campaign);
});
