/** Scheduled campaigns: when their time has come they start sending (the same freeze as "send now"). */
import { and, eq, lte } from "drizzle-orm";
import type { Db } from "@/db";
import { campaigns } from "@/db/schema";
import { startCampaignSend } from "@/lib/campaigns/campaigns";
import { clock, type SendingDeps } from "./deps";

/** Scheduled campaigns whose time has come start sending (the same freeze as "send now"). */
export async function startDueCampaigns(db: Db, deps: SendingDeps): Promise<string[]> {
  const now = clock(deps);
  const due = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(eq(campaigns.status, "scheduled"), lte(campaigns.scheduledAt, now)));
  const started: string[] = [];
  for (const { id } of due) {
    try {
      await startCampaignSend(db, id, { stream: deps.broadcastStream, now, fromStatuses: ["scheduled"] });
      started.push(id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // An audience that emptied out since scheduling: say so on the campaign instead of retrying forever.
      await db
        .update(campaigns)
        .set({ status: "draft", scheduledAt: null, lastError: `Scheduled send did not start: ${message}` })
        .where(and(eq(campaigns.id, id), eq(campaigns.status, "scheduled")));
    }
  }
  return started;
}
