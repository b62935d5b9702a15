/**
 * The reconciliation job (`/api/cron/reconcile`, every 5 minutes): recovers from Postmark's Messages
 * API what webhooks missed, and raises the silence alerts (lib/reconcile/run.ts).
 */
import type { Db } from "@/db";
import { reconcile, type ReconcileOptions, type RunSummary } from "@/lib/reconcile/run";

export async function runReconcile(db: Db, options: ReconcileOptions): Promise<{ reconcile: RunSummary }> {
  return { reconcile: await reconcile(db, options, { trigger: "cron" }) };
}
