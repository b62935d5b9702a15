import { apiRoute } from "@/lib/app/api-route";
import { toApiTagRef } from "@/lib/app/api-shapes";
import { untagContact } from "@/lib/contacts/tags";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** Removes the tag from the contact (a tag it does not carry changes nothing): the contact's tags after. */
export const DELETE = apiRoute<{ contactId: string; tagId: string }>({}, async ({ db, params }) => {
  const contactId = pathId(params.contactId, "Contact");
  const tagId = pathId(params.tagId, "Tag");
  return (await untagContact(db, { contactId, tagId }, new Date())).map(toApiTagRef);
});
