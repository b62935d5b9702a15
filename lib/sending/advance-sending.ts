/**
 * The sending loop: starts due scheduled campaigns, finishes interrupted audience freezes, resolves
 * open batches, then runs workers that send queued single emails and claim and send campaign batches
 * until nothing is left or the time budget is spent, and finally closes finished campaigns. What the
 * cron job, the send action and a restart call.
 */
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { campaigns } from "@/db/schema";
import { getCampaignOrThrow } from "@/lib/campaigns/campaigns";
import { resumeFreezes } from "@/lib/campaigns/freeze";
import { claimCampaignBatch, type ClaimedBatch } from "./claim-batch";
import { completeFinishedCampaigns } from "./complete-campaigns";
import { POSTMARK_BATCH_LIMIT, type SendingDeps } from "./deps";
import { recoverOpenBatches } from "./recover-batches";
import { startDueCampaigns } from "./scheduled-campaigns";
import { compileCampaign, sendCampaignBatch, type CompiledCampaign } from "./send-batch";
import { sendQueuedSingles } from "./single-email";

/**
 * Broadcast work besides campaigns that the workers share out (sequence mail, lib/sequences/engine.ts,
 * wired in lib/jobs/send-campaigns.ts: lib/sending does not know sequences). Null: nothing to do now.
 */
export type SendingStep = () => Promise<{ sent: number; failed: number; batch: boolean } | null>;

/**
 * Asked before each claim of a campaign's batch (the circuit breakers, lib/deliverability, wired in
 * lib/jobs/send-campaigns.ts): `send: false` skips the campaign (the guard paused it or holds it),
 * `batchSize` makes its batches smaller. A held campaign is left to the next sending run: by then the
 * sample's complaints, which come after its deliveries, have had time to arrive.
 */
export type CampaignGuard = (campaignId: string) => Promise<{ send: boolean; batchSize?: number }>;

export interface AdvanceResult {
  batches: number;
  sent: number;
  failed: number;
  recovered: { batches: number; adopted: number; requeued: number };
  started: string[];
  /** Campaigns whose interrupted audience freeze this run finished (lib/campaigns/freeze.ts). */
  frozen: string[];
  /** Interrupted freezes that failed again this run (logged; tried again next run). */
  freezeFailures: number;
  /** Scheduled campaigns that could not start this run (a database error); they are tried again next run. */
  startFailures: number;
  completed: string[];
  singles: number;
  stoppedBy: "idle" | "budget";
}

/**
 * Makes as much sending progress as the time budget allows: starts due campaigns, resolves open
 * batches, then runs `concurrency` workers that claim and send batches until nothing is left.
 * Safe to call from any number of places at once (the send action, cron, a restart).
 */
export async function advanceSending(
  db: Db,
  options: { budgetMs?: number; concurrency?: number; moreWork?: SendingStep; guard?: CampaignGuard },
  deps: SendingDeps,
): Promise<AdvanceResult> {
  // The budget is elapsed wall time on this machine, not the domain clock (tests move deps.now freely).
  const deadline = Date.now() + (options.budgetMs ?? 50_000);
  const result: AdvanceResult = { batches: 0, sent: 0, failed: 0, recovered: { batches: 0, adopted: 0, requeued: 0 }, started: [], frozen: [], freezeFailures: 0, startFailures: 0, completed: [], singles: 0, stoppedBy: "idle" };
  const starts = await startDueCampaigns(db, deps);
  result.started = starts.started;
  result.startFailures = starts.failed;
  // A start that crashed mid-freeze left chunks of its audience to freeze; the chunks already frozen
  // may be sent meanwhile (by another run), and the campaign closes only once all are.
  const freezes = await resumeFreezes(db, { stream: deps.broadcastStream, log: deps.log });
  result.frozen = freezes.frozen;
  result.freezeFailures = freezes.failed;
  result.recovered = await recoverOpenBatches(db, {}, deps);
  const compiled = new Map<string, CompiledCampaign>();

  let turn = 0;
  async function moreWork(): Promise<boolean> {
    const step = options.moreWork ? await options.moreWork() : null;
    if (!step) return false;
    if (step.batch) result.batches++;
    result.sent += step.sent;
    result.failed += step.failed;
    return true;
  }

  async function worker() {
    while (Date.now() < deadline) {
      const singles = await sendQueuedSingles(db, { limit: POSTMARK_BATCH_LIMIT }, deps);
      if (singles) {
        result.singles += singles;
        continue;
      }
      // Campaign batches and the other work take turns, so neither waits for the other to run dry.
      const otherFirst = turn++ % 2 === 0;
      if (otherFirst && (await moreWork())) continue;
      const sending = await db
        .select({ id: campaigns.id })
        .from(campaigns)
        .where(eq(campaigns.status, "sending"))
        .orderBy(campaigns.startedAt)
        .limit(20);
      let claimed: ClaimedBatch | null = null;
      for (const { id } of sending) {
        const verdict = options.guard ? await options.guard(id) : { send: true };
        if (!verdict.send) continue;
        claimed = await claimCampaignBatch(db, { campaignId: id }, verdict.batchSize ? { ...deps, batchSize: Math.min(verdict.batchSize, deps.batchSize ?? verdict.batchSize) } : deps);
        if (claimed) break;
      }
      if (!claimed) {
        if (!otherFirst && (await moreWork())) continue;
        return;
      }
      let c = compiled.get(claimed.campaignId);
      if (!c) {
        c = compileCampaign(await getCampaignOrThrow(db, claimed.campaignId));
        compiled.set(claimed.campaignId, c);
      }
      const r = await sendCampaignBatch(db, { batch: claimed, compiled: c }, deps);
      result.batches++;
      result.sent += r.sent;
      result.failed += r.failed;
    }
    result.stoppedBy = "budget";
  }

  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
  result.completed = await completeFinishedCampaigns(db, deps);
  return result;
}
