import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiSequence } from "@/lib/app/api-shapes";
import { advanceSendingAfterResponse } from "@/lib/app/continue-sending";
import { pathId } from "@/lib/http/id";
import { getSequenceDetail } from "@/lib/sequences/detail";
import { sequencePatchSchema, updateSequence } from "@/lib/sequences/sequences";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ sequenceId: string }>({}, async ({ db, params }) => toApiSequence(await getSequenceDetail(db, pathId(params.sequenceId, "Sequence"))));

/**
 * Changes only what is given. `emails` is the whole new list in order: an item with `id` keeps that
 * email, one without is new, one left out is deleted (see lib/sequences/sequences.ts, editing rules);
 * `continue_completed: true` continues completed enrollments with emails appended at the end.
 */
export const PATCH = apiRoute<{ sequenceId: string }>({}, async ({ req, db, params }) => {
  const id = pathId(params.sequenceId, "Sequence");
  const patch = await readJson(req, sequencePatchSchema, 2 * 1024 * 1024);
  await updateSequence(db, { id, patch }, new Date());
  // A shorter delay or a continued enrollment may have made steps due now.
  advanceSendingAfterResponse();
  return toApiSequence(await getSequenceDetail(db, id));
});
