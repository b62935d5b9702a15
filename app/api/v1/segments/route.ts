import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiSegment } from "@/lib/app/api-shapes";
import { segmentInputSchema } from "@/lib/segments/definition";
import { countSegment, createSegment, listSegments } from "@/lib/segments/segments";

export const dynamic = "force-dynamic";

/** Every segment, newest first (without counts: `GET /api/v1/segments/{id}` counts one). */
export const GET = apiRoute({}, async ({ db }) => (await listSegments(db)).map((s) => toApiSegment(s)));

/**
 * `{ name, definition }` (README: "Segments"): 201 with the segment and its count. An unknown list,
 * tag or custom field is 422 `unknown_list` / `unknown_tag` / `unknown_field`; conditions that cannot
 * hold together are 422 `contradictory_segment` naming them.
 */
export const POST = apiRoute({}, async ({ req, db, principal }) => {
  const input = await readJson(req, segmentInputSchema, 64 * 1024);
  const now = new Date();
  const segment = await createSegment(db, { ...input, createdById: principal.userId }, now);
  return Response.json({ data: toApiSegment(segment, await countSegment(db, segment.definition, now)) }, { status: 201 });
});
