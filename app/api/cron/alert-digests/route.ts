import { cronRoute } from "@/lib/app/api-route";
import { getAlertEmailer } from "@/lib/app/deps";
import { getEnv } from "@/lib/env";
import { runSendAlertDigests } from "@/lib/jobs/send-alert-digests";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = cronRoute("alert-digests", ({ db }) => runSendAlertDigests(db, { emailer: getAlertEmailer(), now: new Date(), formPendingDays: getEnv().FORM_PENDING_DAYS }));
