/**
 * The sending job (`/api/cron/send`, every minute, and chained while work remains): starts scheduled
 * campaigns that are due, resolves batches whose outcome is unknown, sends campaign batches and single
 * emails waiting for a retry, closes finished campaigns. Stays inside the function time limit; when
 * it stops for the budget the caller chains another run (lib/app/continue-sending.ts).
 */
import type { Db } from "@/db";
import { advanceSending, type AdvanceResult } from "@/lib/sending/advance-sending";
import type { SendingDeps } from "@/lib/sending/deps";

export async function runSendCampaigns(db: Db, options: { budgetMs?: number }, deps: SendingDeps): Promise<{ sending: AdvanceResult }> {
  return { sending: await advanceSending(db, { budgetMs: options.budgetMs ?? 45_000 }, deps) };
}
