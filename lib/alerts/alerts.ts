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

export async function listAlerts(db: DbOrTx, { openOnly = false, limit = 50 }: { openOnly?: boolean; limit?: number } = {}): Promise<Alert[]> {
  return db
    .select()
    .from(alerts)
    .where(openOnly ? isNull(alerts.acknowledgedAt) : undefined)
    .orderBy(desc(alerts.lastSeenAt))
    .limit(limit);
}

export async function acknowledgeAlert(db: DbOrTx, id: number, userId: string, now = new Date()): Promise<void> {
  await db.update(alerts).set({ acknowledgedAt: now, acknowledgedById: userId }).where(and(eq(alerts.id, id), isNull(alerts.acknowledgedAt)));
}

export async function listAdminEmails(db: DbOrTx): Promise<string[]> {
  const rows = await db.select({ email: users.email }).from(users).where(and(eq(users.role, "admin"), isNull(users.disabledAt)));
  return rows.map((r) => r.email);
}

/**
 * Records one occurrence. While an alert of this kind and key is open (not acknowledged), occurrences
 * add to it, so a flood is one row, not thousands. Returns whether an email should go out now: only
 * when none went out for this kind and key within the window (the first one is immediate). An
 * advisory lock per key makes concurrent first occurrences agree on one row and one email.
 */
export async function raiseAlert(db: Db, input: AlertInput, now: Date = new Date()): Promise<{ alert: Alert; emailNow: boolean }> {
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
        .set({
          occurrences: sql`${alerts.occurrences} + 1`,
          lastSeenAt: now,
          ...(emailNow ? { emailedAt: now, emailedOccurrences: sql`${alerts.occurrences} + 1` } : {}),
        })
        .where(eq(alerts.id, open.id))
        .returning();
    } else {
      [alert] = await tx
        .insert(alerts)
        .values({
          kind: input.kind,
          dedupeKey: input.dedupeKey,
          title: input.title,
          body: input.body,
          severity: input.severity ?? "warning",
          createdAt: now,
          lastSeenAt: now,
          occurrences: 1,
          ...(emailNow ? { emailedAt: now, emailedOccurrences: 1 } : {}),
        })
        .returning();
    }
    return { alert, emailNow };
  });
}

/** Raises an alert and, when it is the first in its window, emails the admins after the commit. */
export async function raiseAndNotify(db: Db, emailer: AlertEmailer | null, input: AlertInput, now: Date = new Date()): Promise<Alert> {
  const { alert, emailNow } = await raiseAlert(db, input, now);
  if (emailNow && emailer) {
    await emailer.emailAdmins(`[Postline] ${input.title}`, `${input.body}\n\nReview it on the Security page. Further occurrences in the next 15 minutes arrive as one digest.`).catch((error) => {
      console.warn("[alerts] could not email admins:", error);
    });
  }
  return alert;
}

/**
 * Sends one digest per alert whose occurrences since its last email were not yet reported and whose
 * last email is at least a window old. Run by the alert-digests cron (lib/jobs/send-alert-digests.ts); safe to run concurrently.
 */
export async function sendAlertDigests(db: Db, emailer: AlertEmailer, now: Date = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - ALERT_EMAIL_WINDOW_MS);
  const due = await db
    .select()
    .from(alerts)
    .where(sql`${alerts.occurrences} > ${alerts.emailedOccurrences} and (${alerts.emailedAt} is null or ${alerts.emailedAt} <= ${cutoff.toISOString()}::timestamptz)`)
    .limit(50);
  let sent = 0;
  for (const alert of due) {
    // Claim the digest with a conditional update so two cron runs cannot both send it.
    const [claimed] = await db
      .update(alerts)
      .set({ emailedAt: now, emailedOccurrences: alert.occurrences })
      .where(and(eq(alerts.id, alert.id), eq(alerts.emailedOccurrences, alert.emailedOccurrences)))
      .returning();
    if (!claimed) continue;
    const more = alert.occurrences - alert.emailedOccurrences;
    await emailer
      .emailAdmins(`[Postline] Digest: ${alert.title} (${more} more)`, `${more} more occurrence(s) of "${alert.title}" since ${alert.emailedAt?.toISOString() ?? alert.createdAt.toISOString()}, the latest at ${alert.lastSeenAt.toISOString()}.\n\n${alert.body}`)
      .catch((error) => console.warn("[alerts] could not send digest:", error));
    sent++;
  }
  return sent;
}
