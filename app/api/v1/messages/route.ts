import { z } from "zod";
import { apiRoute } from "@/lib/app/api-route";
import { toApiMessage } from "@/lib/app/api-shapes";
import { messageStatusEnum } from "@/db/schema";
import { searchMessages } from "@/lib/messages/queries";
import { idField } from "@/lib/http/id";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  postmark_message_id: z.string().max(100).optional(),
  campaign_id: idField().optional(),
  // `status` is how far any event took the message; `human_status` what people did (issue 15).
  status: z.enum(messageStatusEnum.enumValues).optional(),
  human_status: z.enum(messageStatusEnum.enumValues).optional(),
  to: z.string().max(320).optional(),
  after: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const GET = apiRoute({}, async ({ req, db }) => {
  const q = querySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  const page = await searchMessages(db, { postmarkMessageId: q.postmark_message_id, campaignId: q.campaign_id, status: q.status, humanStatus: q.human_status, search: q.to, after: q.after, limit: q.limit });
  return Response.json({ data: page.rows.map(toApiMessage), next: page.next });
});
