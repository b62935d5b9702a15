import { apiRoute } from "@/lib/app/api-route";
import { toApiEnrollment } from "@/lib/app/api-shapes";
import { pathId } from "@/lib/http/id";
import { removeEnrollment } from "@/lib/sequences/enrollments";

export const dynamic = "force-dynamic";

/** Takes the contact out of the sequence (exit reason `removed`); 404 when it is not enrolled. */
export const DELETE = apiRoute<{ sequenceId: string; contactId: string }>({}, async ({ db, params }) => {
  const sequenceId = pathId(params.sequenceId, "Sequence");
  const contactId = pathId(params.contactId, "Contact");
  return toApiEnrollment(await db.transaction((tx) => removeEnrollment(tx, { sequenceId, contactId }, new Date())));
});
