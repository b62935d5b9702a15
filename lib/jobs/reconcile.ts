/**
 * The reconciliation job (`/api/cron/reconcile`, every 5 minutes): recovers from Postmark's Messages
 * API what webhooks missed, and raises the silence alerts (lib/reconcile/run.ts).
 */
import type { Db } from "@/db";
import { reconcile, type ReconcileDeps, type RunSummary } from "@/lib/reconcile/run";

export async function runReconcile(db: Db, deps: ReconcileDeps): Promise<{ reconcile: RunSummary }> {
  return { reconcile: await reconcile(db, { trigger: "cron" }, deps) };
}
