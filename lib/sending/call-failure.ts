/**
 * What a failed Postmark call does to the batch it carried: a 429 puts the messages back with backoff,
 * a 401 also pauses the campaign, a 4xx refusal fails them, and anything else (5xx, timeout, lost
 * connection) leaves the batch open as `uncertain` until recover-batches.ts asks Postmark.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { campaigns, messages, sendBatches } from "@/db/schema";
import { sendingDefaults, type SendingDeps } from "./deps";
import { backoffMs, classifyPostmarkError, type CallFailure } from "./postmark-outcome";
import { inFlightIn } from "./in-flight";
import { recordBatchResults } from "./record-results";

/** 429: nothing was accepted; the messages wait (backoff with jitter) and go out in a later batch. */
async function releaseBatch(
  db: Db,
  { batchId, failure, delay }: { batchId: string; failure: CallFailure; delay: boolean },
  deps: SendingDeps,
) {
  const now = deps.now();
  const random = deps.random ?? Math.random;
  await db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: messages.id, attempts: messages.attempts })
      .from(messages)
      .where(inFlightIn(batchId));
    // Each message waits according to its own attempt count; one statement for the whole batch.
    const waits = rows.map((r) => ({ id: r.id, at: delay ? new Date(now.getTime() + backoffMs(r.attempts, random)).toISOString() : null }));
    if (waits.length) {
      await tx.execute(sql`
        update messages set status = 'queued', batch_id = null, next_attempt_at = w.at, updated_at = ${now.toISOString()}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(waits)}::jsonb) as w(id uuid, at timestamptz)
        where ${messages.id} = w.id and ${inFlightIn(batchId)}`);
    }
    await tx.update(sendBatches).set({ status: "released", completedAt: now, error: failure.message }).where(eq(sendBatches.id, batchId));
  });
}

async function markUncertain(db: Db, { batchId, failure }: { batchId: string; failure: CallFailure }, deps: SendingDeps) {
  const now = deps.now();
  await db
    .update(sendBatches)
    .set({ status: "uncertain", error: failure.message, checkAfter: new Date(now.getTime() + (deps.uncertainRecheckMs ?? sendingDefaults.uncertainRecheckMs)) })
    .where(and(eq(sendBatches.id, batchId), eq(sendBatches.status, "in_flight")));
}

export async function handleCallFailure(
  db: Db,
  { batch, error }: { batch: { batchId: string; campaignId: string | null; messages: { id: string; toEmail: string }[] }; error: unknown },
  deps: SendingDeps,
) {
  const failure = classifyPostmarkError(error);
  deps.log?.(`postmark call for batch ${batch.batchId} failed (${failure.kind}): ${failure.message}`);
  switch (failure.kind) {
    case "throttled":
      return releaseBatch(db, { batchId: batch.batchId, failure, delay: true }, deps);
    case "unauthorized":
      // Every later batch would fail the same way: stop the campaign until someone fixes the token.
      await releaseBatch(db, { batchId: batch.batchId, failure, delay: false }, deps);
      if (batch.campaignId) {
        await db
          .update(campaigns)
          .set({ status: "paused", pausedAt: deps.now(), lastError: `Postmark refused the server token: ${failure.message}` })
          .where(and(eq(campaigns.id, batch.campaignId), eq(campaigns.status, "sending")));
      }
      return;
    case "rejected":
      return recordBatchResults(
        db,
        {
          batchId: batch.batchId,
          campaignId: batch.campaignId,
          results: batch.messages.map((m) => ({ messageId: m.id, toEmail: m.toEmail, errorCode: failure.code, errorMessage: failure.message })),
        },
        deps,
      );
    case "uncertain":
      return markUncertain(db, { batchId: batch.batchId, failure }, deps);
  }
}
