import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { getCampaignTargets } from "@/lib/campaigns/audience";
import { campaignPatchSchema, getCampaignOrThrow, patchCampaign } from "@/lib/campaigns/campaigns";
import { getCampaignTotals } from "@/lib/campaigns/stats";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ campaignId: string }>({}, async ({ db, params }) => {
  const id = pathId(params.campaignId, "Campaign");
  const [campaign, targets, totals] = await Promise.all([getCampaignOrThrow(db, id), getCampaignTargets(db, id), getCampaignTotals(db, [id])]);
  return toApiCampaign(campaign, { targets, totals: totals.get(id) });
});

/**
 * Changes a draft or scheduled campaign: any of `{ name, subject, html, text, from, honeypot }` and the
 * targeting fields (`list_ids`, `tag_ids`, `segment_ids`, `exclude_list_ids`, `exclude_tag_ids`, `exclude_segment_ids`);
 * the rest keep their value. Like any edit, a scheduled campaign goes back to draft; others are 409.
 */
export const PATCH = apiRoute<{ campaignId: string }>({}, async ({ req, db, params }) => {
  const id = pathId(params.campaignId, "Campaign");
  const patch = await readJson(req, campaignPatchSchema, 6 * 1024 * 1024);
  const campaign = await patchCampaign(db, { ...patch, id }, new Date());
  const [targets, totals] = await Promise.all([getCampaignTargets(db, id), getCampaignTotals(db, [id])]);
  return toApiCampaign(campaign, { targets, totals: totals.get(id) });
});
