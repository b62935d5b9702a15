import { apiRoute, readOptionalJson } from "@/lib/app/api-route";
import { toApiSequence } from "@/lib/app/api-shapes";
import { advanceSendingAfterResponse } from "@/lib/app/continue-sending";
import { pathId } from "@/lib/http/id";
import { getSequenceDetail } from "@/lib/sequences/detail";
import { activateSequence, resumeSchema } from "@/lib/sequences/sequences";

export const dynamic = "force-dynamic";

/** Draft or paused → active. Resuming: `{ "due": "spread" (default) | "send", "spread_minutes": 60 }`. */
export const POST = apiRoute<{ sequenceId: string }>({}, async ({ req, db, params, principal }) => {
  const id = pathId(params.sequenceId, "Sequence");
  const resume = await readOptionalJson(req, resumeSchema);
  await activateSequence(db, { id, resume, by: principal }, new Date());
  advanceSendingAfterResponse();
  return toApiSequence(await getSequenceDetail(db, id));
});
