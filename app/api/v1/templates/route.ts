import { z } from "zod";
import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiTemplate } from "@/lib/app/api-shapes";
import { createTemplate, listTemplates, saveCampaignAsTemplate, templateInputSchema } from "@/lib/campaigns/templates";
import { idField } from "@/lib/http/id";

export const dynamic = "force-dynamic";

const fromCampaignSchema = z.strictObject({ name: z.string(), campaign_id: idField("Not a campaign id") });

export const GET = apiRoute({}, async ({ db }) => (await listTemplates(db)).map(toApiTemplate));

/** `{ name, subject, html, text? }`, or `{ name, campaign_id }` to save a campaign's content (201). */
export const POST = apiRoute({}, async ({ req, db, principal }) => {
  const body = await readJson(req, z.looseObject({}), 6 * 1024 * 1024);
  const now = new Date();
  const template =
    "campaign_id" in body
      ? await (async () => {
          const input = fromCampaignSchema.parse(body);
          return saveCampaignAsTemplate(db, { campaignId: input.campaign_id, name: input.name }, { createdById: principal.userId, now });
        })()
      : await createTemplate(db, templateInputSchema.parse(body), { createdById: principal.userId, now });
  return Response.json({ data: toApiTemplate(template) }, { status: 201 });
});
