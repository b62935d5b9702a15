import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db";
import { alerts, users } from "@/db/schema";

export type Alert = typeof alerts.$inferSelect;

/** Emails about one kind and key of alert go out at most once per window; the rest become a digest. */
export const ALERT_EMAIL_WINDOW_MS = 15 * 60_000;

export interface AlertInput {
  kind: string;
  dedupeKey: string;
  title: string;
  body: string;
  severity?: "info" | "warning" | "critical";
}

export interface AlertEmailer {
  /** Sends one email to every active admin. */
  emailAdmins(subject: string, text: string): Promise<void>;
}

export async function countOpenAlerts(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(alerts).where(isNull(alerts.acknowledgedAt));
  return row.n;
}

/** Who emails the admins, and the time the pass runs at. */
export type AlertDeps = { emailer: AlertEmailer; now: Date };

export async function listAlerts(db: DbOrTx, { openOnly = false, limit = 50 }: { openOnly?: boolean; limit?: number } = {}): Promise<Alert[]> {
  return db
    .select()
    .from(alerts)
    .where(openOnly ? isNull(alerts.acknowledgedAt) : undefined)
    .orderBy(desc(alerts.lastSeenAt))
    .limit(limit);
}

export async function acknowledgeAlert(db: DbOrTx, input: { id: number; userId: string }, now: Date): Promise<void> {
  await db.update(alerts).set({ acknowledgedAt: now, acknowledgedById: input.userId }).where(and(eq(alerts.id, input.id), isNull(alerts.acknowledgedAt)));
}

export async function listAdminEmails(db: DbOrTx): Promise<string[]> {
  const rows = await db.select({ email: users.email }).from(users).where(and(eq(users.role, "admin"), isNull(users.disabledAt)));
  return rows.map((r) => r.email);
}

/**
 * Records one occurrence. While an alert of this kind and key is open (not acknowledged), occurrences
 * add to it, so a flood is one row, not thousands. Returns whether an email is owed now: only when
 * none went out for this kind and key within the window (the first one is immediate). It does not
 * send or claim that email: `sendDueAlertEmails` does, once, whoever calls it first (the raiser right
 * after its response, or the alert-digests cron's pass). An advisory lock per key makes concurrent first
 * occurrences agree on one row.
 */
export async function raiseAlert(db: Db, input: AlertInput, now: Date): Promise<{ alert: Alert; emailNow: boolean }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`alert:${input.kind}:${input.dedupeKey}`}))`);
    const [open] = await tx
      .select()
      .from(alerts)
      .where(and(eq(alerts.kind, input.kind), eq(alerts.dedupeKey, input.dedupeKey), isNull(alerts.acknowledgedAt)))
      .orderBy(desc(alerts.createdAt))
      .limit(1);
    const [lastEmail] = await tx
      .select({ at: sql<Date | null>`max(${alerts.emailedAt})` })
      .from(alerts)
      .where(and(eq(alerts.kind, input.kind), eq(alerts.dedupeKey, input.dedupeKey)));
    const lastEmailedAt = lastEmail?.at ? new Date(lastEmail.at) : null;
    const emailNow = !lastEmailedAt || now.getTime() - lastEmailedAt.getTime() >= ALERT_EMAIL_WINDOW_MS;
    let alert: Alert;
    if (open) {
      [alert] = await tx
        .update(alerts)
        .set({ occurrences: sql`${alerts.occurrences} + 1`, lastSeenAt: now })
        .where(eq(alerts.id, open.id))
        .returning();
    } else {
      [alert] = await tx
        .insert(alerts)
        .values({ kind: input.kind, dedupeKey: input.dedupeKey, title: input.title, body: input.body, severity: input.severity ?? "warning", createdAt: now, lastSeenAt: now, occurrences: 1 })
        .returning();
    }
    return { alert, emailNow };
  });
}

/** Runs work after the caller's response (Next's `after()` in the app); it must not be awaited by the caller. */
export type AfterResponse = (work: () => Promise<unknown>) => void;

/** A hand-off for callers without after(): the work runs detached, never holding the caller up. */
export const runDetached: AfterResponse = (work) => {
  void work().catch((error) => console.warn("[alerts] after-response work failed:", error));
};

/**
 * Raises an alert and, when it is the first in its window, emails the admins. With `afterResponse`
 * the email is handed off and never awaited (a request path must not wait on Postmark); without it,
 * it is sent before returning (background jobs). Either way a lost hand-off is sent by the next
 * alert-digests cron's `sendAlertDigests`, and the email goes out once.
 */
export async function raiseAndNotify(
  db: Db,
  input: AlertInput,
  deps: { emailer: AlertEmailer | null; now: Date; afterResponse?: AfterResponse },
): Promise<Alert> {
  const { emailer, now } = deps;
  const { alert, emailNow } = await raiseAlert(db, input, now);
  if (emailNow && emailer) {
    const send = () => sendDueAlertEmails(db, { alertId: alert.id }, { emailer, now });
    if (deps.afterResponse) deps.afterResponse(send);
    else await send();
  }
  return alert;
}

/**
 * Sends every alert email that is owed: the first email of an alert never emailed, or a digest of
 * the occurrences since its last email once that is a window old. Each is claimed with a conditional
 * update first, so the raiser's hand-off and any number of cron runs send it once. Run by the
 * alert-digests cron (lib/jobs/send-alert-digests.ts, all alerts) and after a raise (`alertId`). Returns how many were sent.
 */
export async function sendDueAlertEmails(db: Db, options: { alertId?: number }, deps: AlertDeps): Promise<number> {
  const { emailer, now } = deps;
  const cutoff = new Date(now.getTime() - ALERT_EMAIL_WINDOW_MS);
  const due = await db
    .select()
    .from(alerts)
    .where(
      and(
        options.alertId === undefined ? undefined : eq(alerts.id, options.alertId),
        sql`${alerts.occurrences} > ${alerts.emailedOccurrences} and (${alerts.emailedAt} is null or ${alerts.emailedAt} <= ${cutoff.toISOString()}::timestamptz)`,
      ),
    )
    .limit(50);
  let sent = 0;
  for (const alert of due) {
    const [claimed] = await db
      .update(alerts)
      .set({ emailedAt: now, emailedOccurrences: sql`${alerts.occurrences}` })
      .where(and(eq(alerts.id, alert.id), eq(alerts.emailedOccurrences, alert.emailedOccurrences), sql`(${alerts.emailedAt} is null or ${alerts.emailedAt} <= ${cutoff.toISOString()}::timestamptz)`))
      .returning();
    if (!claimed) continue;
    const [subject, text] = alert.emailedOccurrences === 0 ? firstEmail(claimed) : digestEmail(alert, claimed);
    await emailer.emailAdmins(subject, text).catch((error) => console.warn("[alerts] could not email admins:", error));
    sent++;
  }
  return sent;
}

function firstEmail(alert: Alert): [string, string] {
  const more = alert.emailedOccurrences > 1 ? `\n\n${alert.emailedOccurrences} occurrences so far, the latest at ${alert.lastSeenAt.toISOString()}.` : "";
  return [`[Postline] ${alert.title}`, `${alert.body}${more}\n\nReview it on the Security page. Further occurrences in the next 15 minutes arrive as one digest.`];
}

function digestEmail(before: Alert, claimed: Alert): [string, string] {
  const more = claimed.emailedOccurrences - before.emailedOccurrences;
  return [
    `[Postline] Digest: ${before.title} (${more} more)`,
    `${more} more occurrence(s) of "${before.title}" since ${before.emailedAt?.toISOString() ?? before.createdAt.toISOString()}, the latest at ${claimed.lastSeenAt.toISOString()}.\n\n${before.body}`,
  ];
}

/** The alert-digests cron's pass: every alert email owed (first emails whose hand-off was lost, and digests). */
export async function sendAlertDigests(db: Db, deps: AlertDeps): Promise<number> {
  return sendDueAlertEmails(db, {}, deps);
}
