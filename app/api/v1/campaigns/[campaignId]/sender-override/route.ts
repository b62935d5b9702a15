import { apiRoute } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { pathId } from "@/lib/http/id";
import { overrideSenderCheck } from "@/lib/sender-checks/campaign-gate";

export const dynamic = "force-dynamic";

/** Admin: send this campaign despite a failed sender check; recorded as `sender_override` (who, when). */
export const POST = apiRoute<{ campaignId: string }>({ role: "admin" }, async ({ db, params, principal }) => {
  const id = pathId(params.campaignId, "Campaign");
  return toApiCampaign(await overrideSenderCheck(db, { campaignId: id, actor: `API key ${principal.apiKeyId}` }, new Date()));
});
