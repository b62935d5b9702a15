/**
 * Recovering batches whose outcome is unknown (a crash, a timeout, a 5xx, a worker that died after
 * claiming): Postmark's outbound search by our batch id tells which messages it accepted; those are
 * adopted, only the others go back to the queue. So nothing is sent twice and nothing is forgotten.
 */
import { and, eq, inArray, lte } from "drizzle-orm";
import type { Db } from "@/db";
import { messages, sendBatches } from "@/db/schema";
import { METADATA_BATCH_ID, METADATA_MESSAGE_ID, type SendingDeps } from "./deps";
import { inFlightIn } from "./in-flight";
import { recordBatchResults, type EntryResult } from "./record-results";

/**
 * Resolves batches whose outcome is unknown: asks Postmark which of their messages it accepted
 * (by our batch id in Metadata), adopts those, and puts only the others back in the queue.
 */
export async function recoverOpenBatches(
  db: Db,
  { limit = 20 }: { limit?: number },
  deps: SendingDeps,
): Promise<{ batches: number; adopted: number; requeued: number }> {
  const now = deps.now();
  const due = await db
    .select()
    .from(sendBatches)
    .where(and(inArray(sendBatches.status, ["in_flight", "uncertain"]), lte(sendBatches.checkAfter, now)))
    .limit(limit);
  let adopted = 0;
  let requeued = 0;
  let batches = 0;
  for (const batch of due) {
    // Claim the check itself: another worker seeing the same batch skips it.
    const [mine] = await db
      .update(sendBatches)
      .set({ checkAfter: new Date(now.getTime() + 60_000) })
      .where(and(eq(sendBatches.id, batch.id), inArray(sendBatches.status, ["in_flight", "uncertain"]), lte(sendBatches.checkAfter, now)))
      .returning({ id: sendBatches.id });
    if (!mine) continue;
    let found: { MessageID: string; ReceivedAt?: string; Subject?: string; Metadata?: Record<string, string> }[];
    try {
      found = await searchBatch(deps, batch.id);
    } catch (error) {
      deps.log?.(`outbound search for batch ${batch.id} failed: ${String(error)}`);
      continue;
    }
    const open = await db.select({ id: messages.id, toEmail: messages.toEmail }).from(messages).where(inFlightIn(batch.id));
    const accepted = new Map(found.map((f) => [f.Metadata?.[METADATA_MESSAGE_ID], f]));
    const results: EntryResult[] = [];
    const missing: string[] = [];
    for (const m of open) {
      const hit = accepted.get(m.id);
      // Postmark's record says which subject it accepted: the personalized one the recipient got.
      if (hit) results.push({ messageId: m.id, toEmail: m.toEmail, postmarkMessageId: hit.MessageID, submittedAt: hit.ReceivedAt ? new Date(hit.ReceivedAt) : undefined, subject: hit.Subject || undefined });
      else missing.push(m.id);
    }
    if (missing.length) {
      await db
        .update(messages)
        .set({ status: "queued", batchId: null, updatedAt: now })
        .where(and(inArray(messages.id, missing), inFlightIn(batch.id)));
    }
    if (results.length) await recordBatchResults(db, { batchId: batch.id, campaignId: batch.campaignId, results }, deps);
    await db.update(sendBatches).set({ status: "done", completedAt: now, error: `recovered: ${results.length} accepted by Postmark, ${missing.length} queued again` }).where(eq(sendBatches.id, batch.id));
    adopted += results.length;
    requeued += missing.length;
    batches++;
    deps.log?.(`batch ${batch.id}: ${results.length} adopted from Postmark, ${missing.length} queued again`);
  }
  return { batches, adopted, requeued };
}

async function searchBatch(deps: SendingDeps, batchId: string) {
  const out: { MessageID: string; ReceivedAt?: string; Subject?: string; Metadata?: Record<string, string> }[] = [];
  // A batch holds at most 500 messages, so one page normally answers; page anyway for safety.
  for (let offset = 0; offset < 10_000; offset += 500) {
    const page = await deps.postmark.getOutboundMessages({ count: 500, offset, [`metadata_${METADATA_BATCH_ID}`]: batchId });
    out.push(...(page.Messages as unknown as typeof out));
    // postmark.js types TotalCount as a string though Postmark sends a number.
    if (page.Messages.length < 500 || out.length >= Number(page.TotalCount)) break;
  }
  return out;
}
