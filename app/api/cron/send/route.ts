import { after } from "next/server";
import { cronRoute } from "@/lib/app/api-route";
import { chainSending } from "@/lib/app/continue-sending";
import { getBreakerDeps, getSendingDeps } from "@/lib/app/deps";
import { runSendCampaigns } from "@/lib/jobs/send-campaigns";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("send", async ({ db }) => {
  const result = await runSendCampaigns(db, {}, getSendingDeps(), getBreakerDeps());
  if (result.sending.stoppedBy === "budget") after(chainSending);
  return result;
});
