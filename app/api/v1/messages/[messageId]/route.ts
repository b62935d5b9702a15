import { apiRoute } from "@/lib/app/api-route";
import { toApiMessage } from "@/lib/app/api-shapes";
import { notFound } from "@/lib/errors";
import { getMessage, listMessageEvents } from "@/lib/messages/queries";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ messageId: string }>({}, async ({ db, params }) => {
  const id = pathId(params.messageId, "Message");
  const message = await getMessage(db, id);
  if (!message) throw notFound("Message");
  const events = await listMessageEvents(db, id);
  return {
    ...toApiMessage(message),
    events: events.map((e) => ({ id: e.id, record_type: e.recordType, occurred_at: e.occurredAt.toISOString(), received_at: e.receivedAt.toISOString(), source: e.source, details: e.details,
      engagement: e.engagementClass ? { class: e.engagementClass, reasons: e.engagementReasons ?? [], rules_version: e.engagementRulesVersion } : null, raw: e.raw })),
  };
});
