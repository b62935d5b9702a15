import type { Db } from "@/db";
import { reconcile, type ReconcileOptions, type RunSummary } from "@/lib/reconcile/run";

/** One cron tick of reconciliation with Postmark's Messages API. */
export async function runReconcileTick(db: Db, options: ReconcileOptions): Promise<{ reconcile: RunSummary }> {
  return { reconcile: await reconcile(db, options, { trigger: "cron" }) };
}
