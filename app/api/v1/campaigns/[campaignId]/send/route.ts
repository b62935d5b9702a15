import { z } from "zod";
import { apiRoute, readOptionalJson } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { scheduleCampaign, startCampaignSend } from "@/lib/campaigns/campaigns";
import { advanceSendingAfterResponse } from "@/lib/app/continue-sending";
import { pathId } from "@/lib/http/id";
import { getSenderCheckDeps } from "@/lib/app/deps";
import { checkCampaignSender } from "@/lib/sender-checks/campaign-gate";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

const bodySchema = z.strictObject({ scheduled_at: z.coerce.date().optional() });

/** Send now (202, progress in GET /api/v1/campaigns/{id}) or `{ "scheduled_at": "…" }` to schedule. */
export const POST = apiRoute<{ campaignId: string }>({}, async ({ req, db, env, params }) => {
  const id = pathId(params.campaignId, "Campaign");
  const body = await readOptionalJson(req, bodySchema);
  // A large campaign from a domain not ready for bulk mail is refused (409 sender_unverified) unless overridden.
  await checkCampaignSender(db, { campaignId: id }, getSenderCheckDeps());
  if (body.scheduled_at) {
    return toApiCampaign(await scheduleCampaign(db, { campaignId: id, at: body.scheduled_at }, new Date()));
  }
  const campaign = await startCampaignSend(db, { campaignId: id, stream: env.POSTMARK_BROADCAST_STREAM }, new Date());
  advanceSendingAfterResponse();
  return Response.json({ data: toApiCampaign(campaign) }, { status: 202 });
});
