import { z } from "zod";
import { apiRoute } from "@/lib/app/api-route";
import { toApiContact } from "@/lib/app/api-shapes";
import { tagsOfContacts } from "@/lib/contacts/tags";
import { pathId } from "@/lib/http/id";
import { getSegmentOrThrow, pageSegmentContacts } from "@/lib/segments/segments";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  after: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** The segment's contacts newest first, like `GET /api/v1/contacts`: `{ data, next, total }`; pass `next` back as `after`. */
export const GET = apiRoute<{ segmentId: string }>({}, async ({ req, db, params }) => {
  const segment = await getSegmentOrThrow(db, pathId(params.segmentId, "Segment"));
  const q = querySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  const page = await pageSegmentContacts(db, { definition: segment.definition, after: q.after, limit: q.limit }, new Date());
  const tags = await tagsOfContacts(db, page.rows.map((c) => c.id));
  return Response.json({ data: page.rows.map((c) => toApiContact(c, tags.get(c.id))), next: page.next, total: page.total });
});
