import { after } from "next/server";
import { cronRoute } from "@/lib/app/api-route";
import { runDispatchTick } from "@/lib/jobs/dispatch-tick";
import { chainDispatch } from "@/lib/app/continue-sending";
import { getAlertEmailer, getOutboundDeps, getSendingDeps } from "@/lib/app/deps";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("dispatch", async ({ db }) => {
  const result = await runDispatchTick(db, getSendingDeps(), { emailer: getAlertEmailer(), outbound: getOutboundDeps(), outboundLingerMs: 40_000 });
  if (result.sending.stoppedBy === "budget" || result.outboundWebhooks?.stoppedBy === "budget") after(chainDispatch);
  return result;
});
