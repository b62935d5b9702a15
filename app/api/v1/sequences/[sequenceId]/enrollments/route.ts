import { z } from "zod";
import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiEnrollment } from "@/lib/app/api-shapes";
import { advanceSendingAfterResponse } from "@/lib/app/continue-sending";
import { idField, pathId } from "@/lib/http/id";
import { enrollContact, listEnrollments } from "@/lib/sequences/enrollments";
import { getSequenceOrThrow } from "@/lib/sequences/sequences";

export const dynamic = "force-dynamic";

const statusSchema = z.enum(["active", "completed", "exited"]).optional().catch(undefined);

/** The sequence's enrollments, newest first (`?status=active|completed|exited`, `?limit=` up to 500). */
export const GET = apiRoute<{ sequenceId: string }>({}, async ({ req, db, params }) => {
  const id = pathId(params.sequenceId, "Sequence");
  await getSequenceOrThrow(db, id);
  const url = new URL(req.url);
  const rows = await listEnrollments(db, { sequenceId: id, status: statusSchema.parse(url.searchParams.get("status") ?? undefined), limit: Number(url.searchParams.get("limit")) || 100 });
  return rows.map((r) => ({ ...toApiEnrollment(r), email: r.email }));
});

const enrolSchema = z.strictObject({ contact_id: idField("contact_id is not a valid id") });

/** Enrols one contact by hand. 201 with the enrollment. */
export const POST = apiRoute<{ sequenceId: string }>({}, async ({ req, db, params }) => {
  const id = pathId(params.sequenceId, "Sequence");
  const { contact_id } = await readJson(req, enrolSchema);
  const enrollment = await db.transaction((tx) => enrollContact(tx, { sequenceId: id, contactId: contact_id }, new Date()));
  advanceSendingAfterResponse();
  return Response.json({ data: toApiEnrollment(enrollment) }, { status: 201 });
});
