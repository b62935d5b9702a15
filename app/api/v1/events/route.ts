import { z } from "zod";
import { apiRoute } from "@/lib/app/api-route";
import { listEventsSince } from "@/lib/messages/queries";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  since: z.coerce.date().optional(),
  after_id: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * The event log, oldest first: `?since=<ISO time>` to start, then `?after_id=<next_after_id>` to page.
 * The last two seconds are held back so no event can appear behind the cursor later.
 */
export const GET = apiRoute({}, async ({ req, reads }) => {
  const q = querySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  // A replica behind the primary only delays events: the cursor holds back from what it has replayed.
  const { value: page } = await reads.run((db, at) => listEventsSince(db, { since: q.since, afterId: q.after_id, limit: q.limit, horizon: at.horizon }));
  return Response.json({
    data: page.rows.map((e) => ({ id: e.id, message_id: e.messageId, postmark_message_id: e.postmarkMessageId, record_type: e.recordType, recipient: e.recipient, occurred_at: e.occurredAt.toISOString(), received_at: e.receivedAt.toISOString(), source: e.source, details: e.details, raw: e.raw })),
    next_after_id: page.nextAfterId,
  });
});
