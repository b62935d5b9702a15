import { z } from "zod";
import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiTagRef } from "@/lib/app/api-shapes";
import { listContactTags, tagContact, tagNamesSchema } from "@/lib/contacts/tags";
import { getContact } from "@/lib/contacts/contacts";
import { notFound } from "@/lib/errors";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

const bodySchema = z.strictObject({ tags: tagNamesSchema.min(1, "Send at least one tag name") });

/** The contact's tags by name. */
export const GET = apiRoute<{ contactId: string }>({}, async ({ db, params }) => {
  const id = pathId(params.contactId, "Contact");
  if (!(await getContact(db, id))) throw notFound("Contact");
  return (await listContactTags(db, id)).map(toApiTagRef);
});

/**
 * `{ tags: ["name", ...] }`: adds these tags (names match whatever their case; missing tags are
 * created). Idempotent: answers the contact's tags after, and announces only tags newly added.
 */
export const POST = apiRoute<{ contactId: string }>({}, async ({ req, db, params }) => {
  const id = pathId(params.contactId, "Contact");
  const { tags } = await readJson(req, bodySchema, 64 * 1024);
  return (await tagContact(db, { contactId: id, tagNames: tags }, new Date())).map(toApiTagRef);
});
