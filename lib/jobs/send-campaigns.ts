/**
 * The sending job (`/api/cron/send`, every minute, and chained while work remains): starts scheduled
 * campaigns that are due, resolves batches whose outcome is unknown, sends campaign batches, sequence
 * steps that fell due and single emails waiting for a retry, closes finished campaigns. Stays inside the function time limit; when
 * it stops for the budget the caller chains another run (lib/app/continue-sending.ts).
 */
import type { Db } from "@/db";
import { checkBreakers, checkCampaignBreaker, checkSequenceBreakers, type BreakerDeps } from "@/lib/deliverability/breakers";
import { advanceSending, type AdvanceResult } from "@/lib/sending/advance-sending";
import type { SendingDeps } from "@/lib/sending/deps";
import { advanceSequenceStep, type SequenceMailCache } from "@/lib/sequences/engine";
import { jobRunAlive, withJobRun } from "./runs";

/** The sending job's name among registered runs (lib/jobs/runs.ts). */
export const SENDING_JOB = "send";

/** What a scheduled tick answers for sending when it starts none (app/api/cron/send, /dispatch). */
export const SENDING_SKIPPED = { skipped: "a sending run is in progress" } as const;

/** Whether a sending run is alive anywhere (a scheduled tick then starts none, app/api/cron/send). */
export function sendingRunAlive(db: Db): Promise<boolean> {
  return jobRunAlive(db, SENDING_JOB);
}

/**
 * Sequence mail (issue 17) goes out with campaign batches: the same workers, the same crash safety.
 * With `breakers` (issue 18), every campaign batch is claimed only after its campaign's circuit
 * breakers were checked, every sequence step after the active sequences' were, and the run ends with
 * a check of everything watched (late complaints on campaigns already sent). Every run is registered
 * while it works (lib/jobs/runs.ts).
 */
export async function runSendCampaigns(db: Db, options: { budgetMs?: number; concurrency?: number }, deps: SendingDeps, breakers?: BreakerDeps): Promise<{ sending: AdvanceResult }> {
  const cache: SequenceMailCache = new Map();
  const guard = breakers ? (campaignId: string) => checkCampaignBreaker(db, { campaignId }, breakers) : undefined;
  const moreWork = async () => {
    if (breakers) await checkSequenceBreakers(db, breakers);
    return advanceSequenceStep(db, cache, deps);
  };
  return withJobRun(db, SENDING_JOB, async () => {
    const sending = await advanceSending(db, { budgetMs: options.budgetMs ?? 45_000, concurrency: options.concurrency, moreWork, guard }, deps);
    if (breakers) await checkBreakers(db, breakers);
    return { sending };
  });
}
