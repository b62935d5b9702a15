import { z } from "zod";
import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiContact } from "@/lib/app/api-shapes";
import { parseSegmentDefinition } from "@/lib/segments/contract-shape";
import { previewSegment } from "@/lib/segments/segments";

export const dynamic = "force-dynamic";

const bodySchema = z.strictObject({ definition: z.unknown(), sample: z.number().int().min(0).max(50).default(10) });

/** An unsaved definition's `count` and a `sample` of its newest contacts (the builder's live count), validated like a save. */
export const POST = apiRoute({}, async ({ req, db, reads }) => {
  const body = await readJson(req, bodySchema, 64 * 1024);
  const [definition, sample] = [await parseSegmentDefinition(db, body.definition, ["definition"]), body.sample];
  const { value: preview } = await reads.run((r) => previewSegment(r, { definition, sample }, new Date()));
  return { count: preview.count, sample: preview.sample.map((c) => toApiContact(c)) };
});
