import { z } from "zod";
import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiCampaign } from "@/lib/app/api-shapes";
import { getCampaignsTargets, getCampaignTargets } from "@/lib/campaigns/audience";
import { campaignInputSchema, createCampaign, listCampaigns } from "@/lib/campaigns/campaigns";
import { getCampaignTotals } from "@/lib/campaigns/stats";

export const dynamic = "force-dynamic";

export const GET = apiRoute({}, async ({ req, db }) => {
  const { limit } = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).parse(Object.fromEntries(new URL(req.url).searchParams));
  const rows = await listCampaigns(db, { limit });
  const [totals, targets] = await Promise.all([getCampaignTotals(db, rows.map((c) => c.id)), getCampaignsTargets(db, rows.map((c) => c.id))]);
  return rows.map((c) => toApiCampaign(c, { totals: totals.get(c.id), targets: targets.get(c.id) }));
});

export const POST = apiRoute({}, async ({ req, db, env, principal }) => {
  const input = await readJson(req, campaignInputSchema, 6 * 1024 * 1024);
  const campaign = await createCampaign(db, input, { defaultFrom: env.POSTMARK_FROM_EMAIL, createdById: principal.userId });
  return Response.json({ data: toApiCampaign(campaign, { targets: await getCampaignTargets(db, campaign.id) }) }, { status: 201 });
});
