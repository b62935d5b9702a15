/** Scheduled campaigns: when their time has come they start sending (the same freeze as "send now"). */
import { and, eq, lte } from "drizzle-orm";
import type { Db } from "@/db";
import { campaigns } from "@/db/schema";
import { claimCampaignSend } from "@/lib/campaigns/campaigns";
import { freezeAudience } from "@/lib/campaigns/freeze";
import { AppError } from "@/lib/errors";
import type { SendingDeps } from "./deps";

export interface ScheduledStarts {
  started: string[];
  /** Campaigns whose start failed for a passing reason (a database error): still scheduled, tried again next run. */
  failed: number;
}

/**
 * Starts every scheduled campaign whose time has come. Only a verdict about the campaign itself takes
 * it off the schedule: an audience that emptied out since scheduling sets it back to draft with the
 * reason. Anything else (a deadlock, a lost connection) says nothing about the campaign, so it stays
 * scheduled for the next run, and the failure is logged and counted. That is the start's claim (one
 * transaction); once it committed the campaign is sending, and a failure while its audience freezes
 * (lib/campaigns/freeze.ts, in chunks) is logged and the chunks left are frozen by the next run.
 */
export async function startDueCampaigns(db: Db, deps: SendingDeps): Promise<ScheduledStarts> {
  const now = deps.now();
  const due = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(eq(campaigns.status, "scheduled"), lte(campaigns.scheduledAt, now)));
  const result: ScheduledStarts = { started: [], failed: 0 };
  for (const { id } of due) {
    try {
      await claimCampaignSend(db, { campaignId: id, fromStatuses: ["scheduled"] }, now);
    } catch (error) {
      if (error instanceof AppError && error.code === "no_audience") {
        await db
          .update(campaigns)
          .set({ status: "draft", scheduledAt: null, lastError: `Scheduled send did not start: ${error.message}` })
          .where(and(eq(campaigns.id, id), eq(campaigns.status, "scheduled")));
      } else if (error instanceof AppError && error.code === "already_sent") {
        // Another run started it first, or someone cancelled it meanwhile: nothing left to do here.
      } else {
        result.failed++;
        (deps.log ?? console.warn)(`scheduled campaign ${id} did not start; it stays scheduled and is tried again next run: ${String(error)}`);
      }
      continue;
    }
    // Started: it is sending now, whatever happens to the freeze (the chunks left are resumed).
    result.started.push(id);
    try {
      await freezeAudience(db, { campaignId: id, stream: deps.broadcastStream });
    } catch (error) {
      (deps.log ?? console.warn)(`scheduled campaign ${id} started but its audience freeze stopped; the chunks left are frozen by the next run: ${String(error)}`);
    }
  }
  return result;
}
