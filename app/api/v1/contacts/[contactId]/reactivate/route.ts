import { apiRoute } from "@/lib/app/api-route";
import { getSuppressionSyncDeps } from "@/lib/app/deps";
import { pathId } from "@/lib/http/id";
import { reactivateContact } from "@/lib/postmark-admin/reactivate";

export const dynamic = "force-dynamic";

/**
 * Subscribes a contact again after lifting Postmark's suppression (a hard bounce through the Bounces
 * API, a manual suppression deleted). 409 `suppression_permanent` for a spam complaint or what only
 * the person or Postmark can lift; 502 `postmark_error` when Postmark fails.
 */
export const POST = apiRoute<{ contactId: string }>({}, async ({ db, params, principal }) => {
  const id = pathId(params.contactId, "Contact");
  const { contact, lifted } = await reactivateContact(db, { contactId: id, actor: `API key ${principal.apiKeyId}` }, getSuppressionSyncDeps());
  return { id: contact.id, email: contact.email, status: contact.status, status_reason: contact.statusReason, lifted_in_postmark: lifted };
});
