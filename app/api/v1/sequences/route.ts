import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiSequence } from "@/lib/app/api-shapes";
import { getSequenceDetail, listSequenceDetails } from "@/lib/sequences/detail";
import { createSequence, sequenceInputSchema } from "@/lib/sequences/sequences";

export const dynamic = "force-dynamic";

/** Every sequence, newest first, with its emails, stats and enrollments by status (two statements in all). */
export const GET = apiRoute({}, async ({ db }) => (await listSequenceDetails(db)).map(toApiSequence));

/** Creates a draft sequence (activate it with POST …/activate). 201. */
export const POST = apiRoute({}, async ({ req, db, env, principal }) => {
  const input = await readJson(req, sequenceInputSchema, 2 * 1024 * 1024);
  const sequence = await createSequence(db, input, { defaultFrom: env.POSTMARK_FROM_EMAIL, createdById: principal.userId }, new Date());
  return Response.json({ data: toApiSequence(await getSequenceDetail(db, sequence.id)) }, { status: 201 });
});
