/**
 * The alert digest job (`/api/cron/alert-digests`, every minute): emails admins one digest per alert
 * that recurred since its last email, at most once per alert window (lib/alerts/alerts.ts).
 */
import type { Db } from "@/db";
import { sendAlertDigests, type AlertDeps } from "@/lib/alerts/alerts";

export async function runSendAlertDigests(db: Db, deps: AlertDeps): Promise<{ alertDigests: number }> {
  return { alertDigests: await sendAlertDigests(db, deps) };
}
