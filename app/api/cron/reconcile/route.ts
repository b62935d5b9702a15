import { cronRoute } from "@/lib/app/api-route";
import { runReconcileTick } from "@/lib/jobs/reconcile-tick";
import { getAlertEmailer, getSendingDeps } from "@/lib/app/deps";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("reconcile", ({ db }) => {
  const sending = getSendingDeps();
  return runReconcileTick(db, { postmark: sending.postmark, sending, emailer: getAlertEmailer(), budgetMs: 50_000 });
});
