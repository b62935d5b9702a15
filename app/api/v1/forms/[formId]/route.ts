import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiForm } from "@/lib/app/api-shapes";
import { formApiPatchSchema, getFormOrThrow, setFormArchived, updateForm } from "@/lib/forms/forms";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ formId: string }>({}, async ({ db, params, env }) => toApiForm(await getFormOrThrow(db, pathId(params.formId, "Form")), env.APP_URL));

/** Changes only the fields given; `archived: true | false` archives or restores. */
export const PATCH = apiRoute<{ formId: string }>({}, async ({ req, db, params, env }) => {
  const id = pathId(params.formId, "Form");
  const { archived, ...patch } = await readJson(req, formApiPatchSchema, 256 * 1024);
  await getFormOrThrow(db, id);
  const now = new Date();
  if (Object.keys(patch).length) await updateForm(db, { id, patch }, now);
  if (archived !== undefined) await setFormArchived(db, { id, archived }, now);
  return toApiForm(await getFormOrThrow(db, id), env.APP_URL);
});
