import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiForm } from "@/lib/app/api-shapes";
import { createForm, formInputSchema, getFormOrThrow, listForms } from "@/lib/forms/forms";

export const dynamic = "force-dynamic";

/** Open forms, newest first (`?archived=true`: archived ones). */
export const GET = apiRoute({}, async ({ req, db, env }) => {
  const archived = new URL(req.url).searchParams.get("archived") === "true";
  const forms = await listForms(db, { archived });
  return Promise.all(forms.map(async (f) => toApiForm(await getFormOrThrow(db, f.id), env.APP_URL)));
});

/** Creates a form: only `name` is needed (see formInputSchema for the rest and their defaults). 201. */
export const POST = apiRoute({}, async ({ req, db, env }) => {
  const input = await readJson(req, formInputSchema, 256 * 1024);
  const form = await createForm(db, { form: input, createdById: null }, new Date());
  return Response.json({ data: toApiForm(form, env.APP_URL) }, { status: 201 });
});
