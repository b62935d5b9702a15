import { after } from "next/server";
import { getEnv } from "@/lib/env";
import { endChain, extendChain, type ChainRun } from "@/lib/jobs/chains";
import { runSendCampaigns } from "@/lib/jobs/send-campaigns";
import { getAppDb, getBreakerDeps, getSendingDeps } from "@/lib/app/deps";

/** The cron routes that chain themselves while work remains (each listed in vercel.json). */
export const SEND_ROUTE = "/api/cron/send";
export const DELIVER_WEBHOOKS_ROUTE = "/api/cron/deliver-webhooks";

/**
 * Hands the rest of a job's work to a fresh invocation of its cron route. On Vercel each invocation
 * has its own time limit, so a long campaign is a chain of bounded runs, not one endless function;
 * the scheduled cron is the safety net if a link of the chain is lost. `token` is the chain's, handed
 * to the next link (lib/jobs/chains.ts).
 */
export function chainCronRoute(route: string, token: string): void {
  const env = getEnv();
  void fetch(`${env.APP_URL}${route}?chain=${encodeURIComponent(token)}`, { headers: { authorization: `Bearer ${env.CRON_SECRET}` } }).catch((error) => {
    console.warn(`[jobs] could not chain the next run of ${route}; the cron will pick it up`, error);
  });
}

/** The chain token a cron invocation was started with (null: a scheduled tick). */
export function chainToken(req: Request): string | null {
  return new URL(req.url).searchParams.get("chain");
}

/**
 * After a run of a chaining job: one that stopped for its budget continues the job's chain if it
 * holds it or no chain is alive (otherwise the live chain carries its work on); one that ran out of
 * work ends the chain it held. Never throws: the cron is the fallback.
 */
export async function continueChain(route: string, run: ChainRun): Promise<void> {
  try {
    const db = getAppDb();
    if (run.stoppedBy === "budget") {
      const next = await extendChain(db, { job: route, token: run.token, now: new Date() });
      if (next) chainCronRoute(route, next);
    } else if (run.token) {
      await endChain(db, { job: route, token: run.token });
    }
  } catch (error) {
    console.warn(`[jobs] could not continue the chain of ${route}; the cron will pick it up`, error);
  }
}

/** Continues the sending job's chain (see lib/jobs/send-campaigns.ts). */
export function chainSending(run: ChainRun): Promise<void> {
  return continueChain(SEND_ROUTE, run);
}

/** Continues sending after the response has gone out (the send action, the API, a resume). */
export function advanceSendingAfterResponse(): void {
  after(async () => {
    try {
      const { sending } = await runSendCampaigns(getAppDb(), {}, getSendingDeps(), getBreakerDeps());
      await chainSending({ stoppedBy: sending.stoppedBy, token: null });
    } catch (error) {
      console.error("[sending] background advance failed; the sending cron will retry", error);
    }
  });
}
