import { z } from "zod";
import { apiRoute } from "@/lib/app/api-route";
import { resyncMessage } from "@/lib/reconcile/resync";
import { getSendingDeps } from "@/lib/app/deps";

export const dynamic = "force-dynamic";

/** Admin: reconcile one message with Postmark now. */
export const POST = apiRoute<{ messageId: string }>({ role: "admin" }, async ({ db, params }) => {
  const id = z.string().uuid("Unknown message id").parse(params.messageId);
  const r = await resyncMessage(db, getSendingDeps().postmark, id);
  return { checked: r.checked, recovered: r.recovered, api_calls: r.apiCalls };
});
