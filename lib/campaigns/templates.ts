/**
 * Templates: a campaign's content (subject, HTML, text) saved under a name, to start new campaigns
 * from. A template is a copy: editing or deleting it never changes a campaign made from it.
 */
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db";
import { campaignTemplates } from "@/db/schema";
import { AppError, isUniqueViolation, notFound } from "@/lib/errors";
import { campaignInputSchema, getCampaignOrThrow, validateCampaignTemplates } from "./campaigns";

export type CampaignTemplate = typeof campaignTemplates.$inferSelect;

const templateName = z.string().trim().min(1, "Name the template").max(200, "Template names are at most 200 characters");

export const templateInputSchema = z.strictObject({
  name: templateName,
  subject: campaignInputSchema.shape.subject,
  html: campaignInputSchema.shape.html,
  text: campaignInputSchema.shape.text,
});
export type TemplateInput = z.infer<typeof templateInputSchema>;

/** Saves content as a new template; its tags must compile like a campaign's (422 `invalid_template`). */
export async function createTemplate(db: DbOrTx, input: TemplateInput, options: { createdById?: string | null; now: Date }): Promise<CampaignTemplate> {
  validateCampaignTemplates(input);
  try {
    const [row] = await db
      .insert(campaignTemplates)
      .values({
        name: input.name.trim(),
        subject: input.subject,
        html: input.html,
        text: input.text?.trim() ? input.text : null,
        createdById: options.createdById ?? null,
        createdAt: options.now,
        updatedAt: options.now,
      })
      .returning();
    return row;
  } catch (error) {
    if (isUniqueViolation(error, "campaign_templates_name_lower_key")) throw new AppError("template_exists", `A template named "${input.name.trim()}" already exists`);
    throw error;
  }
}

/** Saves a campaign's content (whatever its status) as a new template named `name`. */
export async function saveCampaignAsTemplate(
  db: DbOrTx,
  input: { campaignId: string; name: string },
  options: { createdById?: string | null; now: Date },
): Promise<CampaignTemplate> {
  const name = templateName.safeParse(input.name);
  if (!name.success) throw new AppError("validation_failed", name.error.issues[0].message, [{ path: "name", message: name.error.issues[0].message }]);
  const campaign = await getCampaignOrThrow(db, input.campaignId);
  return createTemplate(db, { name: name.data, subject: campaign.subject, html: campaign.html, text: campaign.text }, options);
}

export async function listTemplates(db: DbOrTx): Promise<CampaignTemplate[]> {
  return db.select().from(campaignTemplates).orderBy(asc(campaignTemplates.name));
}

/** Every template's name, subject and date, by name: what the pickers and the templates page show, without the content. */
export async function listTemplateSummaries(db: DbOrTx): Promise<Pick<CampaignTemplate, "id" | "name" | "subject" | "createdAt">[]> {
  return db
    .select({ id: campaignTemplates.id, name: campaignTemplates.name, subject: campaignTemplates.subject, createdAt: campaignTemplates.createdAt })
    .from(campaignTemplates)
    .orderBy(asc(campaignTemplates.name));
}

export async function getTemplate(db: DbOrTx, id: string): Promise<CampaignTemplate | null> {
  const [row] = await db.select().from(campaignTemplates).where(eq(campaignTemplates.id, id)).limit(1);
  return row ?? null;
}

export async function getTemplateOrThrow(db: DbOrTx, id: string): Promise<CampaignTemplate> {
  const row = await getTemplate(db, id);
  if (!row) throw notFound("Template");
  return row;
}

/** Deletes a template; campaigns made from it keep their content. An unknown id is 404. */
export async function deleteTemplate(db: DbOrTx, id: string): Promise<CampaignTemplate> {
  const [row] = await db.delete(campaignTemplates).where(eq(campaignTemplates.id, id)).returning();
  if (!row) throw notFound("Template");
  return row;
}
