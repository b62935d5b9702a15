/**
 * The reconciliation job (`/api/cron/reconcile`, every 5 minutes): first the months of message_events
 * (created ahead, raw JSON past its retention dropped: lib/ingest/partitions.ts), then recovers from
 * Postmark's Messages API what webhooks missed, and raises the silence alerts (lib/reconcile/run.ts).
 */
import type { Db } from "@/db";
import { logUnexpected } from "@/lib/errors";
import { maintainEventPartitions, type PartitionChanges } from "@/lib/ingest/partitions";
import { reconcile, type ReconcileDeps, type RunSummary } from "@/lib/reconcile/run";

export async function runReconcile(
  db: Db,
  deps: ReconcileDeps & { rawRetentionDays?: number },
): Promise<{ partitions?: PartitionChanges | { error: string }; reconcile: RunSummary }> {
  let partitions: PartitionChanges | { error: string } | undefined;
  if (deps.rawRetentionDays !== undefined) {
    // A failure here (a lock not granted in time) must not stop reconciliation; the next tick retries.
    partitions = await maintainEventPartitions(db, { now: deps.now(), rawRetentionDays: deps.rawRetentionDays }).catch((error) => {
      const { errorId } = logUnexpected("event partitions", error);
      return { error: `event partitions not maintained (error ${errorId}); retried at the next run` };
    });
  }
  return { ...(partitions ? { partitions } : {}), reconcile: await reconcile(db, { trigger: "cron" }, deps) };
}
