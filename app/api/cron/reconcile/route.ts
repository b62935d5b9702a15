import { cronRoute } from "@/lib/api/route";
import { runReconcileTick } from "@/lib/jobs/reconcile-tick";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("reconcile", ({ db }) => runReconcileTick(db));
