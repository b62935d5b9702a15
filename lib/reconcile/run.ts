import { and, eq, lt, sql } from "drizzle-orm";
import type { ServerClient } from "postmark";
import type { Db } from "@/db";
import { messages, reconcileRuns } from "@/db/schema";
import { raiseAndNotify, type AlertEmailer } from "@/lib/alerts/alerts";
import { isUniqueViolation, logUnexpected } from "@/lib/errors";
import { linkOrphanEvents } from "@/lib/ingest/ingest";
import { checkWebhookDrift } from "@/lib/postmark-admin/webhook-drift";
import type { PostlineWebhookConfig } from "@/lib/postmark-admin/webhooks";
import type { SendingDeps } from "@/lib/sending/deps";
import { recoverOpenBatches } from "@/lib/sending/recover-batches";
import { syncSuppressions, type SuppressionSyncDeps, type SuppressionSyncSummary } from "@/lib/postmark-admin/suppression-sync";
import { resyncPostmarkMessage } from "./resync";

/**
 * Reconciliation: recover from Postmark's Messages API what the webhooks missed.
 *
 * A run (cron or by hand) links orphan events, resolves sends whose outcome is unknown, then walks the
 * messages whose outcome may still change, oldest-checked first, fetching their details and feeding
 * missing events through the webhook ingestion path. It is safe to repeat (event keys make recovered
 * events idempotent), cannot overlap another run (one `running` row), stays inside a time budget, and the
 * next run resumes where this one stopped (the work list is ordered by when each message was last checked).
 */

/** What a run is given: Postmark, the sending deps (to resolve open batches), the clock, and its knobs. */
export interface ReconcileDeps {
  postmark: ServerClient;
  sending?: SendingDeps | null;
  emailer?: AlertEmailer | null;
  /** The clock: the app passes the real one, tests their own. */
  now: () => Date;
  /** Time Postmark's webhooks get before we ask (default 10 minutes). */
  graceMs?: number;
  /** How soon a message is checked again (default 6 hours), and how many times at most (default 4). */
  recheckMs?: number;
  maxChecksPerMessage?: number;
  /** Stop starting new work after this long (default 50 s, inside Vercel's 60 s limit). */
  budgetMs?: number;
  concurrency?: number;
  /** Silence alerts: sent mail with no webhook for this long (default 30 minutes). */
  silenceMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Postline's webhook as Postmark must have it: checked for drift on every cron run (none: not checked). */
  webhooks?: PostlineWebhookConfig | null;
  /** Milliseconds on a monotonic clock, for the budget (tests make time pass without waiting). */
  elapsedClock?: () => number;
  /** Suppressions in step with Postmark (lib/postmark-admin/suppression-sync.ts); cron runs only. */
  suppressions?: SuppressionSyncDeps | null;
}

export interface RunSummary {
  runId: number | null;
  skipped?: string;
  checked: number;
  recovered: number;
  adopted: number;
  linkedOrphans: number;
  apiCalls: number;
  remaining: number;
  /** One line per failure: the MessageID and a generic message naming the server log's error id (never the error's text). */
  errors: string[];
  alerts: string[];
  suppressions?: SuppressionSyncSummary;
}

// Postmark keeps message data 45 days by default; older messages cannot be asked about.
const RETENTION_MS = 45 * 24 * 3_600_000;
const STALE_RUN_MS = 2 * 60_000;

async function claimRun(db: Db, trigger: string, now: Date): Promise<number | null> {
  await db
    .update(reconcileRuns)
    .set({ status: "abandoned", finishedAt: now })
    .where(and(eq(reconcileRuns.status, "running"), lt(reconcileRuns.heartbeatAt, new Date(now.getTime() - STALE_RUN_MS))));
  try {
    const [run] = await db.insert(reconcileRuns).values({ trigger, startedAt: now, heartbeatAt: now }).returning({ id: reconcileRuns.id });
    return run.id;
  } catch (error) {
    if (isUniqueViolation(error, "reconcile_runs_one_running")) return null;
    throw error;
  }
}

function isRateLimited(error: unknown): boolean {
  return (error as { statusCode?: number })?.statusCode === 429;
}
function isUnknownMessage(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: number };
  return e?.code === 701 || e?.statusCode === 404;
}

/**
 * A safety net for orphan events (stored before any message carried their MessageID). The send path
 * strands none: every MessageID is written by recordBatchResults, which links that id's orphans in the
 * same transaction under the MessageID locks (db/functions/postline_lock_postmark_ids.sql). What is left
 * for this pass is an orphan from a database older than those locks, or a message row changed by hand;
 * only orphans older than 30 s, so it never contends with a writer still committing.
 */
async function linkStaleOrphans(db: Db, now: Date): Promise<number> {
  const rows = await db.execute<{ pm: string }>(sql`
    select distinct e.postmark_message_id as pm from message_events e
    join messages m on m.postmark_message_id = e.postmark_message_id
    where e.message_id is null and e.received_at < ${new Date(now.getTime() - 30_000).toISOString()}::timestamptz
    limit 500`);
  if (rows.rows.length === 0) return 0;
  return db.transaction((tx) => linkOrphanEvents(tx, rows.rows.map((r) => r.pm)));
}

export async function reconcile(
  db: Db,
  scope: { trigger: "cron" | "manual"; campaignId?: string },
  options: ReconcileDeps,
): Promise<RunSummary> {
  const clock = options.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // The budget is elapsed time (Date.now unless a test moves it), not the domain clock.
  const tick = options.elapsedClock ?? Date.now;
  const started = tick();
  const deadline = started + (options.budgetMs ?? 50_000);
  const summary: RunSummary = { runId: null, checked: 0, recovered: 0, adopted: 0, linkedOrphans: 0, apiCalls: 0, remaining: 0, errors: [], alerts: [] };
  const now = clock();
  const runId = await claimRun(db, scope.campaignId ? `manual:campaign:${scope.campaignId}` : scope.trigger, now);
  if (runId === null) return { ...summary, skipped: "another reconciliation run is in progress" };
  summary.runId = runId;

  const heartbeat = () =>
    db
      .update(reconcileRuns)
      .set({ heartbeatAt: clock(), checked: summary.checked, recovered: summary.recovered, adopted: summary.adopted, linkedOrphans: summary.linkedOrphans, apiCalls: summary.apiCalls })
      .where(eq(reconcileRuns.id, runId));

  const forced = Boolean(scope.campaignId);
  const grace = options.graceMs ?? 10 * 60_000;
  const recheck = options.recheckMs ?? 6 * 3_600_000;
  const maxChecks = options.maxChecksPerMessage ?? 4;
  const workList = (at: Date) =>
    and(
      sql`${messages.postmarkMessageId} is not null`,
      forced
        ? sql`${messages.campaignId} = ${scope.campaignId}::uuid and (${messages.reconciledAt} is null or ${messages.reconciledAt} < ${now.toISOString()}::timestamptz)`
        : sql`${messages.status} in ('sent', 'delivered', 'opened', 'clicked')
              and ${messages.sentAt} < ${new Date(at.getTime() - grace).toISOString()}::timestamptz
              and ${messages.sentAt} > ${new Date(at.getTime() - RETENTION_MS).toISOString()}::timestamptz
              and (${messages.reconciledAt} is null or ${messages.reconciledAt} < ${new Date(at.getTime() - recheck).toISOString()}::timestamptz)
              and ${messages.reconcileCount} < ${maxChecks}`,
    );

  // Read from Postmark alongside the run's own work, so a slow answer does not push the run past its
  // time limit; it never throws (lib/postmark-admin/webhook-drift.ts).
  const webhookDrift = !forced && options.webhooks ? checkWebhookDrift(db, { ...options, webhooks: options.webhooks, now }) : Promise.resolve([]);
  try {
    summary.linkedOrphans = await linkStaleOrphans(db, now);
    if (options.sending && !forced) {
      const r = await recoverOpenBatches(db, {}, { ...options.sending, now: clock });
      summary.adopted = r.adopted;
    }

    let backoff = 1000;
    outer: while (tick() < deadline) {
      const batch = await db
        .select({ id: messages.id, pm: messages.postmarkMessageId })
        .from(messages)
        .where(workList(clock()))
        .orderBy(sql`${messages.reconciledAt} asc nulls first`, messages.sentAt)
        .limit(100);
      if (batch.length === 0) break;
      const queue = [...batch];
      let throttled = false;
      const worker = async () => {
        while (queue.length && tick() < deadline && !throttled) {
          const m = queue.shift()!;
          try {
            const r = await resyncPostmarkMessage(db, { postmarkMessageId: m.pm! }, options);
            summary.apiCalls += r.apiCalls;
            summary.recovered += r.recovered;
          } catch (error) {
            summary.apiCalls++;
            if (isRateLimited(error)) {
              throttled = true;
              queue.unshift(m);
              break;
            }
            if (isUnknownMessage(error)) {
              // Postmark no longer knows it (past retention): stop asking.
              await db.update(messages).set({ reconcileCount: maxChecks }).where(eq(messages.id, m.id));
            } else {
              // Recorded, and the message still moves to the back of the list so one bad message
              // cannot hold up the run.
              // The run's errors are stored and answered by the resync routes: a code and the log's
              // error id only, never the error's text (a driver's message can carry query parameters).
              summary.errors.push(`${m.pm}: ${logUnexpected("reconcile", error).message}`);
              if (summary.errors.length > 50) summary.errors.shift();
            }
          }
          summary.checked++;
          await db
            .update(messages)
            .set({ reconciledAt: clock(), reconcileCount: sql`${messages.reconcileCount} + 1` })
            .where(eq(messages.id, m.id));
        }
      };
      await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
      await heartbeat();
      if (throttled) {
        // Postmark said slow down: wait, doubling each time, and give up this run if the budget ends.
        if (tick() + backoff >= deadline) break outer;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 30_000);
      } else {
        backoff = 1000;
      }
    }
    const [{ remaining }] = (await db.execute<{ remaining: number }>(sql`select count(*)::int as remaining from messages where ${workList(clock())}`)).rows;
    summary.remaining = remaining;
    if (!forced) summary.alerts = await detectSilence(db, { now: clock() }, options);
    summary.alerts.push(...(await webhookDrift));
    if (!forced && options.suppressions) summary.suppressions = await syncSuppressions(db, options.suppressions);
    await db
      .update(reconcileRuns)
      .set({ status: "done", finishedAt: clock(), heartbeatAt: clock(), checked: summary.checked, recovered: summary.recovered, adopted: summary.adopted, linkedOrphans: summary.linkedOrphans, apiCalls: summary.apiCalls, remaining: summary.remaining, errors: summary.errors })
      .where(eq(reconcileRuns.id, runId));
  } catch (error) {
    summary.errors.push(logUnexpected("reconcile", error).message);
    await db
      .update(reconcileRuns)
      .set({ status: "failed", finishedAt: clock(), errors: summary.errors })
      .where(eq(reconcileRuns.id, runId))
      .catch(() => {});
    throw error;
  }
  return summary;
}

/**
 * Webhooks gone quiet: mail went out long enough ago that Postmark would have reported something, yet
 * no webhook arrived; or the only webhook traffic fails its credentials (a rotated secret, say).
 */
export async function detectSilence(db: Db, { now }: { now: Date }, options: Pick<ReconcileDeps, "emailer" | "silenceMs">): Promise<string[]> {
  const window = options.silenceMs ?? 30 * 60_000;
  const since = new Date(now.getTime() - window).toISOString();
  const before = new Date(now.getTime() - 2 * window).toISOString();
  const [row] = (
    await db.execute<{ sent: number; webhooks: number; bad: number }>(sql`
      select
        (select count(*)::int from messages where sent_at between ${before}::timestamptz and ${since}::timestamptz) as sent,
        (select count(*)::int from (select 1 from message_events where source = 'webhook' and received_at > ${since}::timestamptz limit 1) x) as webhooks,
        (select count(*)::int from suspicious_requests where route = '/api/webhooks/postmark' and created_at > ${since}::timestamptz) as bad`)
  ).rows;
  const alerts: string[] = [];
  const minutes = Math.round(window / 60_000);
  if (row.webhooks === 0 && row.bad > 0) {
    alerts.push("only_bad_credentials");
    await raiseAndNotify(db, {
      kind: "webhook_silence",
      dedupeKey: "only_bad_credentials",
      severity: "critical",
      title: `Postmark webhooks fail their credentials (${row.bad} in ${minutes} min, none accepted)`,
      body: "Every request to /api/webhooks/postmark in this period failed the secret or basic-auth check. Check the X-Webhook-Secret configured in Postmark against POSTMARK_WEBHOOK_SECRET. Reconciliation keeps statuses up to date meanwhile.",
    }, { emailer: options.emailer ?? null, now });
  } else if (row.webhooks === 0 && row.sent > 0) {
    alerts.push("no_webhooks");
    await raiseAndNotify(db, {
      kind: "webhook_silence",
      dedupeKey: "no_webhooks",
      title: `No Postmark webhooks for ${minutes} minutes`,
      body: `${row.sent} message(s) were sent between ${2 * minutes} and ${minutes} minutes ago, but no webhook has arrived since. Check the webhook in Postmark (URL, enabled events, custom header). Reconciliation recovers statuses meanwhile.`,
    }, { emailer: options.emailer ?? null, now });
  }
  return alerts;
}

export async function listReconcileRuns(db: Db, limit = 20) {
  return db.select().from(reconcileRuns).orderBy(sql`${reconcileRuns.startedAt} desc`).limit(limit);
}
