import { after } from "next/server";
import { getEnv } from "@/lib/env";
import { runSendCampaigns } from "@/lib/jobs/send-campaigns";
import { getAppDb, getBreakerDeps, getSendingDeps } from "@/lib/app/deps";

/** The cron routes that chain themselves while work remains (each listed in vercel.json). */
export const SEND_ROUTE = "/api/cron/send";
export const DELIVER_WEBHOOKS_ROUTE = "/api/cron/deliver-webhooks";

/**
 * Hands the rest of a job's work to a fresh invocation of its cron route. On Vercel each invocation
 * has its own time limit, so a long campaign is a chain of bounded runs, not one endless function;
 * the scheduled cron is the safety net if a link of the chain is lost.
 */
export function chainCronRoute(route: string): void {
  const env = getEnv();
  void fetch(`${env.APP_URL}${route}`, { headers: { authorization: `Bearer ${env.CRON_SECRET}` } }).catch((error) => {
    console.warn(`[jobs] could not chain the next run of ${route}; the cron will pick it up`, error);
  });
}

/** Chains the sending job (see lib/jobs/send-campaigns.ts). */
export function chainSending(): void {
  chainCronRoute(SEND_ROUTE);
}

/** Continues sending after the response has gone out (the send action, the API, a resume). */
export function advanceSendingAfterResponse(): void {
  after(async () => {
    try {
      const { sending } = await runSendCampaigns(getAppDb(), {}, getSendingDeps(), getBreakerDeps());
      if (sending.stoppedBy === "budget") chainSending();
    } catch (error) {
      console.error("[sending] background advance failed; the sending cron will retry", error);
    }
  });
}
