import type { ServerClient } from "postmark";
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { messages } from "@/db/schema";
import { notFound, AppError } from "@/lib/errors";
import { ingestPostmarkEvent } from "@/lib/ingest/ingest";
import { eventsFromDetails, type BounceInfo, type DetailsEvent } from "./from-details";

export interface ResyncResult {
  checked: number;
  recovered: number;
  apiCalls: number;
}

/**
 * Brings one message up to date with Postmark's Messages API: every event Postmark reports that we
 * lack goes through the webhook ingestion path, marked as coming from reconciliation. Safe to repeat:
 * events already stored (by webhook or an earlier run) have the same keys and are skipped.
 */
export async function resyncPostmarkMessage(
  db: Db,
  { postmarkMessageId }: { postmarkMessageId: string },
  { postmark }: { postmark: ServerClient },
): Promise<ResyncResult> {
  let apiCalls = 1;
  const details = (await postmark.getOutboundMessageDetails(postmarkMessageId)) as unknown as {
    MessageID: string;
    MessageStream?: string;
    Tag?: string;
    Metadata?: Record<string, string>;
    MessageEvents?: DetailsEvent[];
  };
  const getBounce = async (id: string): Promise<BounceInfo | null> => {
    apiCalls++;
    try {
      return (await postmark.getBounce(Number(id))) as unknown as BounceInfo;
    } catch {
      return null;
    }
  };
  const events = await eventsFromDetails({ message: details, events: details.MessageEvents ?? [] }, { getBounce });
  let recovered = 0;
  for (const event of events) {
    const result = await ingestPostmarkEvent(db, event, { source: "reconciliation" });
    if (result.outcome !== "duplicate") recovered++;
  }
  return { checked: 1, recovered, apiCalls };
}

export async function resyncMessage(db: Db, { messageId }: { messageId: string }, deps: { postmark: ServerClient }): Promise<ResyncResult> {
  const [m] = await db.select({ pm: messages.postmarkMessageId }).from(messages).where(eq(messages.id, messageId)).limit(1);
  if (!m) throw notFound("Message");
  if (!m.pm) throw new AppError("not_sent", "This message has no Postmark MessageID yet: nothing to resync");
  return resyncPostmarkMessage(db, { postmarkMessageId: m.pm }, deps);
}
