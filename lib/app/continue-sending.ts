import { after } from "next/server";
import { getEnv } from "@/lib/env";
import { runDispatchTick } from "@/lib/jobs/dispatch-tick";
import { getAppDb, getSendingDeps } from "@/lib/app/deps";

/**
 * Hands the rest of the work to a fresh invocation of the dispatch cron route. On Vercel each
 * invocation has its own time limit, so a long campaign is a chain of bounded ticks, not one
 * endless function; the scheduled cron is the safety net if a link of the chain is lost.
 */
export function chainDispatch(): void {
  const env = getEnv();
  void fetch(`${env.APP_URL}/api/cron/dispatch`, { headers: { authorization: `Bearer ${env.CRON_SECRET}` } }).catch((error) => {
    console.warn("[sending] could not chain the next dispatch tick; the cron will pick it up", error);
  });
}

/** Continues sending after the response has gone out (the send action, the API, a resume). */
export function advanceSendingAfterResponse(): void {
  after(async () => {
    try {
      const { sending } = await runDispatchTick(getAppDb(), getSendingDeps());
      if (sending.stoppedBy === "budget") chainDispatch();
    } catch (error) {
      console.error("[sending] background advance failed; the dispatch cron will retry", error);
    }
  });
}
