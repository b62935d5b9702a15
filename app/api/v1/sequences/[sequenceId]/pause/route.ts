import { apiRoute } from "@/lib/app/api-route";
import { toApiSequence } from "@/lib/app/api-shapes";
import { pathId } from "@/lib/http/id";
import { getSequenceDetail } from "@/lib/sequences/detail";
import { pauseSequence } from "@/lib/sequences/sequences";

export const dynamic = "force-dynamic";

/** Active → paused: every enrollment holds where it is. */
export const POST = apiRoute<{ sequenceId: string }>({}, async ({ db, params }) => {
  const id = pathId(params.sequenceId, "Sequence");
  await pauseSequence(db, { id }, new Date());
  return toApiSequence(await getSequenceDetail(db, id));
});
