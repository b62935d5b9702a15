import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiTag } from "@/lib/app/api-shapes";
import { deleteTag, renameTag, tagInputSchema } from "@/lib/contacts/tags";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** Renames the tag: `{ name }`; its contacts keep it. */
export const PATCH = apiRoute<{ tagId: string }>({}, async ({ req, db, params }) => {
  const id = pathId(params.tagId, "Tag");
  const { name } = await readJson(req, tagInputSchema, 16 * 1024);
  return toApiTag(await renameTag(db, { id, name }, new Date()));
});

/** Deletes the tag; its contacts stay, untagged (each announced as Contact.Untagged). */
export const DELETE = apiRoute<{ tagId: string }>({}, async ({ db, params }) => {
  const id = pathId(params.tagId, "Tag");
  const { contacts } = await deleteTag(db, { id }, new Date());
  return { id, deleted: true, contacts_untagged: contacts };
});
