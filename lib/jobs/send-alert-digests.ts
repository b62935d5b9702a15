/**
 * The alert digest job (`/api/cron/alert-digests`, every minute): emails admins one digest per alert
 * that recurred since its last email, at most once per alert window (lib/alerts/alerts.ts). The same
 * tick erases contacts that signed up through a form and never confirmed (lib/forms/cleanup.ts): a
 * small housekeeping step that needs a frequent, cheap tick, not the reconciliation's 50 s budget.
 */
import type { Db } from "@/db";
import { sendAlertDigests, type AlertDeps } from "@/lib/alerts/alerts";
import { erasePendingContacts } from "@/lib/forms/cleanup";

export async function runSendAlertDigests(db: Db, deps: AlertDeps & { formPendingDays?: number }): Promise<{ alertDigests: number; pendingContactsErased?: number }> {
  const alertDigests = await sendAlertDigests(db, deps);
  if (deps.formPendingDays === undefined) return { alertDigests };
  return { alertDigests, pendingContactsErased: await erasePendingContacts(db, { days: deps.formPendingDays }, deps.now) };
}
