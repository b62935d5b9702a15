import { cronRoute } from "@/lib/api/route";
import { runDispatchTick } from "@/lib/jobs/dispatch-tick";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("dispatch", ({ db }) => runDispatchTick(db));
