import type { Db } from "@/db";
import { sendAlertDigests, type AlertEmailer } from "@/lib/alerts/alerts";
import { advanceSending, type AdvanceResult, type SendingDeps } from "@/lib/sending/dispatch";

/**
 * One cron tick of sending work: campaign batches and single emails, then admin alert digests.
 * Stays inside the function time limit; when work remains at the end of the budget the caller may
 * chain another tick (see lib/sending/kick.ts).
 */
export async function runDispatchTick(
  db: Db,
  deps: SendingDeps,
  options: { budgetMs?: number; emailer?: AlertEmailer | null } = {},
): Promise<{ sending: AdvanceResult; alertDigests: number }> {
  const sending = await advanceSending(db, deps, { budgetMs: options.budgetMs ?? 45_000 });
  const alertDigests = options.emailer ? await sendAlertDigests(db, options.emailer) : 0;
  return { sending, alertDigests };
}
