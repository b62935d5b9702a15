import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiSegment } from "@/lib/app/api-shapes";
import { pathId } from "@/lib/http/id";
import { z } from "zod";
import { parseSegmentDefinition } from "@/lib/segments/contract-shape";
import { segmentNameSchema } from "@/lib/segments/definition";
import { countSegment, deleteSegment, getSegmentOrThrow, updateSegment } from "@/lib/segments/segments";

export const dynamic = "force-dynamic";

/** The segment with `count`: how many contacts match it now. */
export const GET = apiRoute<{ segmentId: string }>({}, async ({ db, reads, params }) => {
  const segment = await getSegmentOrThrow(db, pathId(params.segmentId, "Segment"));
  const { value: count } = await reads.run((r) => countSegment(r, segment.definition, new Date()));
  return toApiSegment(segment, count);
});

/** `{ name?, definition? }`; validated like a new segment. Campaigns not sent yet that target it follow the change. */
export const PATCH = apiRoute<{ segmentId: string }>({}, async ({ req, db, params }) => {
  const id = pathId(params.segmentId, "Segment");
  const patch = await readJson(req, z.strictObject({ name: segmentNameSchema.optional(), definition: z.unknown().optional() }), 64 * 1024);
  const definition = patch.definition === undefined ? undefined : await parseSegmentDefinition(db, patch.definition, ["definition"]);
  const now = new Date();
  const segment = await updateSegment(db, { id, name: patch.name, definition }, now);
  return toApiSegment(segment, await countSegment(db, segment.definition, now));
});

/** 409 `segment_in_use` while a draft or scheduled campaign targets or excludes it. */
export const DELETE = apiRoute<{ segmentId: string }>({}, async ({ db, params }) => {
  const id = pathId(params.segmentId, "Segment");
  await deleteSegment(db, { id });
  return { id, deleted: true };
});
