import type { Db } from "@/db";

/** One cron tick of reconciliation with Postmark's Messages API (filled in with reconciliation). */
export async function runReconcileTick(_db: Db): Promise<{ steps: Record<string, unknown> }> {
  return { steps: {} };
}
