import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiSegment } from "@/lib/app/api-shapes";
import { z } from "zod";
import { parseSegmentDefinition } from "@/lib/segments/contract-shape";
import { segmentNameSchema } from "@/lib/segments/definition";
import { countSegment, createSegment, listSegments } from "@/lib/segments/segments";

export const dynamic = "force-dynamic";

/** Every segment, newest first (without counts: `GET /api/v1/segments/{id}` counts one). */
export const GET = apiRoute({}, async ({ db }) => (await listSegments(db)).map((s) => toApiSegment(s)));

/**
 * `{ name, definition }` (README: "Segments"; the contract's `{ field, op, value }` conditions too): 201 with the segment and its count. An unknown list,
 * tag or custom field is 422 `unknown_list` / `unknown_tag` / `unknown_field`; conditions that cannot
 * hold together are 422 `contradictory_segment` naming them.
 */
export const POST = apiRoute({}, async ({ req, db, principal }) => {
  const input = await readJson(req, z.strictObject({ name: segmentNameSchema, definition: z.unknown() }), 64 * 1024);
  const definition = await parseSegmentDefinition(db, input.definition, ["definition"]);
  const now = new Date();
  const segment = await createSegment(db, { name: input.name, definition, createdById: principal.userId }, now);
  return Response.json({ data: toApiSegment(segment, await countSegment(db, segment.definition, now)) }, { status: 201 });
});
