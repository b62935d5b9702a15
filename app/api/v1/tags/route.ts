import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiTag } from "@/lib/app/api-shapes";
import { createTag, listTags, tagInputSchema } from "@/lib/contacts/tags";

export const dynamic = "force-dynamic";

/** Every tag by name, with `contact_count`. */
export const GET = apiRoute({}, async ({ db }) => (await listTags(db)).map(toApiTag));

/** `{ name }` (1 to 100 characters): 201, or 409 `tag_exists` when a tag has that name whatever its case. */
export const POST = apiRoute({}, async ({ req, db }) => {
  const tag = await createTag(db, await readJson(req, tagInputSchema, 16 * 1024));
  return Response.json({ data: toApiTag(tag) }, { status: 201 });
});
