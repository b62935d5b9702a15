import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiContact } from "@/lib/app/api-shapes";
import { contactPatchSchema, getContact, updateContact } from "@/lib/contacts/contacts";
import { eraseContact } from "@/lib/contacts/erase";
import { listContactTags } from "@/lib/contacts/tags";
import { notFound } from "@/lib/errors";
import { pathId } from "@/lib/http/id";
import { consentPayload, listContactSignups } from "@/lib/forms/signups";

export const dynamic = "force-dynamic";

/** One contact with its tags and its consent records (each signup through a form, newest first). */
export const GET = apiRoute<{ contactId: string }>({}, async ({ db, params }) => {
  const contact = await getContact(db, pathId(params.contactId, "Contact"));
  if (!contact) throw notFound("Contact");
  const [tags, signups] = await Promise.all([listContactTags(db, contact.id), listContactSignups(db, contact.id)]);
  return { ...toApiContact(contact, tags), consent: signups.map((s) => ({ ...consentPayload(s, null), form_name: s.formName })) };
});

/** `{ name?, fields?, status?: "subscribed" | "unsubscribed" }`; fields replace the whole set. */
export const PATCH = apiRoute<{ contactId: string }>({}, async ({ req, db, params }) => {
  const id = pathId(params.contactId, "Contact");
  const patch = await readJson(req, contactPatchSchema, 64 * 1024);
  const contact = await updateContact(db, { id, patch, actor: "an API key" }, new Date());
  return toApiContact(contact, await listContactTags(db, contact.id));
});

/**
 * Deletes the contact, which erases it (lib/contacts/erase.ts): `{ id, erased: true, suppressed }`,
 * where `suppressed` says the address's hash stays on the suppression list (it was not subscribed).
 */
export const DELETE = apiRoute<{ contactId: string }>({}, async ({ db, params, principal }) => {
  const id = pathId(params.contactId, "Contact");
  const result = await eraseContact(db, { contactId: id, actor: `API key ${principal.apiKeyId}` }, new Date());
  return { id, erased: true, suppressed: result.suppressed > 0, messages_erased: result.messages };
});
