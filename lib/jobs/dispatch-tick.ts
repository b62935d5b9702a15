import type { Db } from "@/db";
import { advanceSending, type AdvanceResult, type SendingDeps } from "@/lib/sending/dispatch";

/**
 * One cron tick of sending work. Stays inside the function time limit; when work remains at the end
 * of the budget the caller may chain another tick (see lib/sending/kick.ts).
 */
export async function runDispatchTick(db: Db, deps: SendingDeps, budgetMs = 45_000): Promise<{ sending: AdvanceResult }> {
  return { sending: await advanceSending(db, deps, { budgetMs }) };
}
