import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { campaignPatchSchema, getCampaignListIds, getCampaignOrThrow, patchCampaign } from "@/lib/campaigns/campaigns";
import { getCampaignTotals } from "@/lib/campaigns/stats";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ campaignId: string }>({}, async ({ db, params }) => {
  const id = pathId(params.campaignId, "Campaign");
  const [campaign, listIds, totals] = await Promise.all([getCampaignOrThrow(db, id), getCampaignListIds(db, id), getCampaignTotals(db, [id])]);
  return toApiCampaign(campaign, { listIds, totals: totals.get(id) });
});

/**
 * Changes a draft or scheduled campaign: any of `{ name, subject, html, text, from, list_ids, honeypot }`;
 * the rest keep their value. Like any edit, a scheduled campaign goes back to draft; others are 409.
 */
export const PATCH = apiRoute<{ campaignId: string }>({}, async ({ req, db, params }) => {
  const id = pathId(params.campaignId, "Campaign");
  const patch = await readJson(req, campaignPatchSchema, 6 * 1024 * 1024);
  const campaign = await patchCampaign(db, { ...patch, id }, new Date());
  const [listIds, totals] = await Promise.all([getCampaignListIds(db, id), getCampaignTotals(db, [id])]);
  return toApiCampaign(campaign, { listIds, totals: totals.get(id) });
});
