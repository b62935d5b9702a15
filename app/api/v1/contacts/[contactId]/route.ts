import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiContact } from "@/lib/app/api-shapes";
import { contactPatchSchema, getContact, updateContact } from "@/lib/contacts/contacts";
import { notFound } from "@/lib/errors";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ contactId: string }>({}, async ({ db, params }) => {
  const contact = await getContact(db, pathId(params.contactId, "Contact"));
  if (!contact) throw notFound("Contact");
  return toApiContact(contact);
});

/** `{ name?, fields?, status?: "subscribed" | "unsubscribed" }`; fields replace the whole set. */
export const PATCH = apiRoute<{ contactId: string }>({}, async ({ req, db, params }) => {
  const id = pathId(params.contactId, "Contact");
  const patch = await readJson(req, contactPatchSchema, 64 * 1024);
  return toApiContact(await updateContact(db, { id, patch, actor: "an API key" }, new Date()));
});
