import { apiRoute } from "@/lib/app/api-route";
import { resyncMessage } from "@/lib/reconcile/resync";
import { getSendingDeps } from "@/lib/app/deps";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";

/** Admin: reconcile one message with Postmark now. */
export const POST = apiRoute<{ messageId: string }>({ role: "admin" }, async ({ db, params }) => {
  const id = pathId(params.messageId, "Message");
  const r = await resyncMessage(db, { messageId: id }, getSendingDeps());
  return { checked: r.checked, recovered: r.recovered, api_calls: r.apiCalls };
});
