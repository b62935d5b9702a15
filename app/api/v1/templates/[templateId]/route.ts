import { apiRoute } from "@/lib/app/api-route";
import { toApiTemplate } from "@/lib/app/api-shapes";
import { deleteTemplate, getTemplateOrThrow } from "@/lib/campaigns/templates";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ templateId: string }>({}, async ({ db, params }) => toApiTemplate(await getTemplateOrThrow(db, pathId(params.templateId, "Template"))));

/** Deletes the template (campaigns made from it keep their content): `{ id, deleted: true }`. */
export const DELETE = apiRoute<{ templateId: string }>({}, async ({ db, params }) => {
  const deleted = await deleteTemplate(db, pathId(params.templateId, "Template"));
  return { id: deleted.id, deleted: true };
});
