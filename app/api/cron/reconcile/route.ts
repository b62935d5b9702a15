import { cronRoute } from "@/lib/api/route";
import { runReconcileTick } from "@/lib/jobs/reconcile-tick";
import { getAlertEmailer, getSendingDeps } from "@/lib/server";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("reconcile", ({ db }) => {
  const sending = getSendingDeps();
  return runReconcileTick(db, { postmark: sending.postmark, sending, emailer: getAlertEmailer(), budgetMs: 50_000 });
});
