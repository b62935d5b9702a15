import { apiRoute } from "@/lib/app/api-route";
import { getCampaignOrThrow } from "@/lib/campaigns/campaigns";
import { AppError } from "@/lib/errors";
import { reconcile } from "@/lib/reconcile/run";
import { getSendingDeps } from "@/lib/app/deps";
import { pathId } from "@/lib/http/id";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

/** Admin: reconcile every message of a campaign now, within the time budget; `remaining` says what is left. */
export const POST = apiRoute<{ campaignId: string }>({ role: "admin" }, async ({ db, params }) => {
  const id = pathId(params.campaignId, "Campaign");
  await getCampaignOrThrow(db, id);
  const r = await reconcile(db, { trigger: "manual", campaignId: id }, { postmark: getSendingDeps().postmark, now: () => new Date(), budgetMs: 45_000 });
  if (r.skipped) throw new AppError("run_in_progress", "Another reconciliation run is in progress; try again in a minute");
  return { run_id: r.runId, checked: r.checked, recovered: r.recovered, remaining: r.remaining, api_calls: r.apiCalls, errors: r.errors };
});
