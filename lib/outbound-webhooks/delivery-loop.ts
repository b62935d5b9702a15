import { sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db";
import { raiseAndNotify } from "@/lib/alerts/alerts";
import { clockOf, type OutboundDeps } from "./deps";
import { buildPayload } from "./events";
import { DELIVERY_TIMEOUT_MS, requestWebhook, type HttpOutcome } from "./http";
import { activeSecrets, messageIdFor, signRequest } from "./signing";

/**
 * Delivery from the outbox, coordinated entirely in PostgreSQL so any number of app instances (cron
 * ticks, chained invocations) can run it at once:
 * - At least once: an attempt is committed (the endpoint leased, the attempt row written) before
 *   the request goes out; if the worker dies, the lease expires and the delivery is tried again.
 * - In order per endpoint: only the oldest pending delivery of an endpoint (its head) is ever sent,
 *   and only one request per endpoint is in flight (the lease). A failing head holds the rest back.
 * - Rate limit exactly: an attempt may start only while fewer than `rate_limit` attempts started in
 *   the last `rate_limit_period` (a sliding window counted from the attempts table, under the
 *   endpoint's row lock); the excess waits in the outbox, it is never dropped.
 * - Failures back off exponentially with jitter over about a day; 410 disables at once; a head that
 *   exhausts its schedule disables the endpoint and alerts the admins.
 * - Back to back: a success records its answer and claims the endpoint's next head in one call and
 *   commit, and the same slot sends it, so an endpoint that answers at once is not kept waiting by
 *   round trips (unless every slot is busy: then endpoints take turns through the loop's claim).
 */

/** Waits after the 1st, 2nd, … failed attempt: about 22.6 hours in all before giving up. */
export const RETRY_DELAYS_MS = [
  30_000,
  60_000,
  2 * 60_000,
  5 * 60_000,
  10 * 60_000,
  20 * 60_000,
  40 * 60_000,
  80 * 60_000,
  2 * 3_600_000,
  3 * 3_600_000,
  4 * 3_600_000,
  5 * 3_600_000,
  6 * 3_600_000,
];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** The wait after `attempts` failed attempts, with ±20% jitter so failed endpoints do not retry in lockstep. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = RETRY_DELAYS_MS[Math.min(Math.max(attempts, 1), RETRY_DELAYS_MS.length) - 1];
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * How long one attempt may own its delivery before it counts as lost: the request's deadline and a
 * margin to record the answer. The loop leases the endpoint this long; a test send makes its delivery
 * due only this long after its own attempt starts, so the loop never sends it while the test waits.
 */
export function attemptLeaseMs(deps: Pick<OutboundDeps, "timeoutMs">): number {
  return (deps.timeoutMs ?? DELIVERY_TIMEOUT_MS) + 30_000;
}

export interface ClaimedDelivery {
  attemptId: number;
  deliveryId: number;
  endpointId: string;
  attemptNumber: number;
  url: string;
  secrets: string[];
  eventId: string;
  event: string;
  data: unknown;
  occurredAt: Date;
}

interface ClaimRow extends Record<string, unknown> {
  endpoint_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  delivery_id: string;
  attempts: number;
  event_id: string;
  event: string;
  data: unknown;
  occurred_at: string;
  /** Set when the endpoint's head may not go yet (backoff or a full rate window): when it may. */
  ready_at: string | null;
  /** Set when the head was claimed: the attempt written for it. */
  attempt_id: string | null;
}

export interface ClaimResult {
  claimed: ClaimedDelivery[];
  /** The earliest time a deferred endpoint (rate limit or backoff) becomes ready, if any. */
  nextReadyAt: Date | null;
}

/**
 * Claims the head delivery of up to `max` ready endpoints in one statement and one commit
 * (postline_claim_deliveries in db/functions/, which says what it writes). Endpoints whose head is
 * backing off or whose window is full get `ready_at` pushed to when they may go, so the next claim does
 * not look at them again before then. (It was a transaction of five to seven round trips, each
 * statement planned anew; BENCHMARKS.md, "bench:outbound: an endpoint's deliveries back to back".)
 */
export async function claimDeliveries(db: Db, { max }: { max: number }, deps: OutboundDeps): Promise<ClaimResult> {
  const now = clockOf(deps);
  const { rows } = await db.execute<ClaimRow>(sql`select ${claimColumns} from ${claimCall(max, null, now, deps)}`);
  return claimResult(rows, now);
}

const claimColumns = sql.raw(`c.endpoint_id, c.url, c.secret, c.previous_secret, c.previous_secret_expires_at::text, c.delivery_id::text, c.attempts,
  c.event_id, c.event, c.data, c.occurred_at::text, c.ready_at::text, c.attempt_id::text`);

function claimCall(max: number | SQL, onlyEndpoint: string | null, now: Date, deps: OutboundDeps): SQL {
  const leaseUntil = new Date(now.getTime() + attemptLeaseMs(deps)).toISOString();
  return sql`postline_claim_deliveries(${max}::int, ${now.toISOString()}::timestamptz, ${leaseUntil}::timestamptz, ${onlyEndpoint}::uuid) c`;
}

function claimResult(rows: ClaimRow[], now: Date): ClaimResult {
  const deferred = rows.filter((r) => r.ready_at !== null).map((r) => Date.parse(r.ready_at!));
  const claimed = rows
    .filter((r) => r.attempt_id !== null)
    .map((r) => ({
      attemptId: Number(r.attempt_id),
      deliveryId: Number(r.delivery_id),
      endpointId: r.endpoint_id,
      attemptNumber: r.attempts + 1,
      url: r.url,
      secrets: activeSecrets({ secret: r.secret, previousSecret: r.previous_secret, previousSecretExpiresAt: r.previous_secret_expires_at ? new Date(r.previous_secret_expires_at) : null }, now),
      eventId: r.event_id,
      event: r.event,
      data: r.data,
      occurredAt: new Date(r.occurred_at),
    }));
  return { claimed, nextReadyAt: deferred.length ? new Date(Math.min(...deferred)) : null };
}

export type AttemptVerdict = "succeeded" | "retry" | "gave_up" | "gone";

/** What an answer means: 2xx is success; 410 means the receiver is gone; everything else is retried. */
export function judgeOutcome(outcome: HttpOutcome, attemptNumber: number): AttemptVerdict {
  if (outcome.kind === "response" && outcome.status >= 200 && outcome.status < 300) return "succeeded";
  if (outcome.kind === "response" && outcome.status === 410) return "gone";
  return attemptNumber >= MAX_ATTEMPTS ? "gave_up" : "retry";
}

export function describeOutcome(outcome: HttpOutcome): string | null {
  if (outcome.kind !== "response") return outcome.error;
  if (outcome.status >= 200 && outcome.status < 300) return null;
  if (outcome.status >= 300 && outcome.status < 400) return `HTTP ${outcome.status}: redirects are not followed${outcome.headers.location ? ` (Location: ${outcome.headers.location.slice(0, 300)})` : ""}`;
  return `HTTP ${outcome.status}`;
}

type RecordInput = { claim: Pick<ClaimedDelivery, "attemptId" | "deliveryId" | "endpointId" | "attemptNumber" | "url">; outcome: HttpOutcome; test?: boolean };

/**
 * What one attempt's result writes (postline_record_attempt in db/functions/, which says how): the
 * attempt, the delivery (done, or its next try), and the endpoint (lease released, failure streak,
 * disabled on 410 or when the schedule is spent), the endpoint only while this attempt still holds its
 * lease.
 */
function recordCall({ claim, outcome, test = false }: RecordInput, now: Date, deps: OutboundDeps) {
  const nowIso = now.toISOString();
  // A test is a single attempt outside the queue: never retried, never a reason to disable.
  const judged = judgeOutcome(outcome, claim.attemptNumber);
  const verdict: AttemptVerdict = test && judged !== "succeeded" ? "gave_up" : judged;
  const ok = verdict === "succeeded";
  const error = describeOutcome(outcome);
  const nextAttemptAt = verdict === "retry" ? new Date(now.getTime() + retryDelayMs(claim.attemptNumber, deps.random)) : now;
  const deliveryStatus = ok ? "succeeded" : verdict === "retry" ? "pending" : "failed";
  const disableReason = test
    ? null
    : verdict === "gone"
      ? "The endpoint answered 410 Gone"
      : verdict === "gave_up"
        ? `Every attempt failed for about a day (${MAX_ATTEMPTS} attempts); last: ${error ?? "unknown"}`
        : null;
  const call = sql`postline_record_attempt(${claim.attemptId}::bigint, ${claim.deliveryId}::bigint, ${claim.endpointId}::uuid, ${!test}::boolean, ${nowIso}::timestamptz,
    ${outcome.kind === "refused" ? "refused" : ok ? "succeeded" : "failed"}::webhook_attempt_status, ${outcome.latencyMs}::int,
    ${outcome.kind === "response" ? outcome.status : null}::int, ${error}::text, ${outcome.kind === "response" ? outcome.excerpt : null}::text,
    ${outcome.kind === "refused" ? null : outcome.remoteAddress}::text,
    ${deliveryStatus}::webhook_delivery_status, ${nextAttemptAt.toISOString()}::timestamptz, ${disableReason}::text)`;
  return { call, verdict, disableReason };
}

async function alertIfDisabled(db: Db, justDisabled: boolean, { claim, disableReason, now }: { claim: RecordInput["claim"]; disableReason: string | null; now: Date }, deps: OutboundDeps) {
  if (!justDisabled) return;
  deps.log?.(`endpoint ${claim.endpointId} disabled: ${disableReason}`);
  await raiseAndNotify(
    db,
    {
      kind: "outbound_webhook_disabled",
      dedupeKey: claim.endpointId,
      title: `Webhook endpoint disabled: ${new URL(claim.url).host}`,
      body: `Postline stopped delivering to ${claim.url}. ${disableReason}. Pending events wait; verify the endpoint again on the Webhooks page to resume.`,
      severity: "warning",
    },
    { emailer: deps.emailer ?? null, now },
  );
}

/** Writes one attempt's result in one statement (recordCall). */
export async function recordAttempt(db: Db, input: RecordInput, deps: OutboundDeps): Promise<AttemptVerdict> {
  const now = clockOf(deps);
  const { call, verdict, disableReason } = recordCall(input, now, deps);
  const { rows } = await db.execute<{ just_disabled: boolean }>(sql`select ${call} as just_disabled`);
  await alertIfDisabled(db, rows[0]?.just_disabled === true, { claim: input.claim, disableReason, now }, deps);
  return verdict;
}

type Chained = { verdict: AttemptVerdict; next: ClaimedDelivery | null; nextReadyAt: Date | null };

/**
 * Writes a successful attempt's result and claims the endpoint's next head in the same call and commit.
 * The claim refers to the record's row, so it runs after it and sees the lease released. (A success
 * never disables an endpoint, so there is no alert to raise here.) An endpoint's deliveries go one after
 * the other, so each one paid for a record and a claim: two round trips and two commits.
 */
async function recordAndClaimNext(db: Db, input: RecordInput, deps: OutboundDeps): Promise<Chained> {
  const now = clockOf(deps);
  const { call, verdict } = recordCall(input, now, deps);
  const { rows } = await db.execute<ClaimRow>(sql`
    select ${claimColumns}
    from ${call} as r(just_disabled)
    left join lateral ${claimCall(sql`case when r.just_disabled then 0 else 1 end`, input.claim.endpointId, now, deps)} on true`);
  const { claimed, nextReadyAt } = claimResult(rows.filter((r) => r.endpoint_id !== null), now);
  return { verdict, next: claimed[0] ?? null, nextReadyAt };
}

async function sendClaimed(claim: ClaimedDelivery, deps: OutboundDeps): Promise<HttpOutcome> {
  const now = clockOf(deps);
  const body = buildPayload({ event: claim.event, accountId: deps.accountId, occurredAt: claim.occurredAt, data: claim.data });
  const signed = signRequest({ secrets: claim.secrets, messageId: messageIdFor(claim.eventId), timestamp: now, body });
  return requestWebhook(deps.policy, { method: "POST", url: claim.url, headers: signed.headers, body, timeoutMs: deps.timeoutMs });
}

/** Sends one claimed delivery and records the result. */
export async function performDelivery(db: Db, claim: ClaimedDelivery, deps: OutboundDeps): Promise<AttemptVerdict> {
  return (await performDeliveryAndClaimNext(db, claim, deps, false)).verdict;
}

/**
 * Sends one claimed delivery and records the result; after a success, claims the same endpoint's next
 * head in the same call when `claimNext` (null when there is none, or it may not go yet).
 */
export async function performDeliveryAndClaimNext(db: Db, claim: ClaimedDelivery, deps: OutboundDeps, claimNext: boolean): Promise<Chained> {
  const input = { claim, outcome: await sendClaimed(claim, deps) };
  if (claimNext && judgeOutcome(input.outcome, claim.attemptNumber) === "succeeded") {
    try {
      return await recordAndClaimNext(db, input, deps);
    } catch (error) {
      // The answer came: it is recorded on its own rather than left to the lease (which would send it again).
      deps.log?.(`recording delivery ${claim.deliveryId} with the next claim failed: ${reason(error)}; recording it alone`);
    }
  }
  return { verdict: await recordAttempt(db, input, deps), next: null, nextReadyAt: null };
}

/** The database's own message for a failed query (drizzle wraps it as the cause). */
function reason(error: unknown): string {
  return String((error as { cause?: unknown } | undefined)?.cause ?? error);
}

async function hasActiveEndpoints(db: Db): Promise<boolean> {
  const { rows } = await db.execute(sql`select 1 from webhook_endpoints where status = 'active' limit 1`);
  return rows.length > 0;
}

/**
 * When the next endpoint with waiting deliveries may be sent to (null: nothing waits). Each active
 * endpoint's waiting work is found as the claim finds its head: one probe of the pending index (as an
 * EXISTS, the planner may scan the whole outbox when its statistics lag a drain).
 */
export async function nextDueAt(db: Db): Promise<Date | null> {
  const { rows } = await db.execute<{ at: string | null }>(sql`
    select min(greatest(e.ready_at, e.lease_expires_at))::text as at from webhook_endpoints e
    cross join lateral (
      select 1 from webhook_deliveries d
      where d.endpoint_id >= e.id and d.endpoint_id <= e.id and d.status = 'pending'
      order by d.endpoint_id, d.id limit 1
    ) waiting
    where e.status = 'active'`);
  return rows[0]?.at ? new Date(rows[0].at) : null;
}

export interface DeliveryRunResult {
  attempted: number;
  succeeded: number;
  failed: number;
  stoppedBy: "idle" | "budget";
}

/**
 * Delivers until nothing is due (after lingering `lingerMs` for new work) or the time budget is
 * spent, with up to `concurrency` requests in flight (never more than one per endpoint).
 */
export async function runOutboundDelivery(
  db: Db,
  options: { budgetMs?: number; concurrency?: number; lingerMs?: number; pollMs?: number; claimBatch?: number; signal?: AbortSignal },
  deps: OutboundDeps,
): Promise<DeliveryRunResult> {
  // The budget, the linger and the sleeps are elapsed wall time on this machine, so they read
  // Date.now(); what is due is decided by the domain clock (deps.now), which tests move freely.
  const started = Date.now();
  const deadline = started + (options.budgetMs ?? 40_000);
  // Lingering (polling for new events) is only worth it when some endpoint could receive them.
  const linger = options.lingerMs && (await hasActiveEndpoints(db)) ? options.lingerMs : 0;
  const lingerUntil = started + linger;
  const concurrency = options.concurrency ?? 32;
  const pollMs = options.pollMs ?? 100;
  const result: DeliveryRunResult = { attempted: 0, succeeded: 0, failed: 0, stoppedBy: "idle" };
  const running = new Set<Promise<void>>();
  // Whether the last claim took as many endpoints as it asked for (more may be waiting).
  let saturated = false;
  // The earliest time (domain clock) an endpoint deferred by a chained claim may go.
  let deferredUntil: number | null = null;
  // A finished request wakes the loop on the next turn of the event loop, so the completions of one
  // turn share a claim. (It waited 3 ms: an endpoint answering at once then spent a third of each
  // delivery waiting; bench:outbound, 2 endpoints, 225 -> 274 deliveries/s; 100 endpoints unchanged.)
  let signaled = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    signaled = true;
    wake?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (signaled) {
        signaled = false;
        return resolve();
      }
      let timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        signaled = false;
        resolve();
      }
      wake = () => {
        clearTimeout(timer);
        wake = null;
        timer = setTimeout(done, 0);
      };
    });

  for (;;) {
    if (options.signal?.aborted) break;
    if (Date.now() >= deadline) {
      // Out of time with work still waiting: the caller should chain another run.
      result.stoppedBy = running.size > 0 || (await nextDueAt(db).catch(() => null)) !== null ? "budget" : "idle";
      break;
    }
    const free = concurrency - running.size;
    let claim: ClaimResult = { claimed: [], nextReadyAt: null };
    if (free > 0) {
      try {
        const asked = Math.min(free, options.claimBatch ?? 50);
        claim = await claimDeliveries(db, { max: asked }, deps);
        saturated = claim.claimed.length === asked;
      } catch (error) {
        deps.log?.(`claiming deliveries failed: ${String(error)}`);
        await sleep(pollMs * 5);
        continue;
      }
    }
    for (const c of claim.claimed) {
      // After a success the endpoint's next head is claimed with the record (one call, one commit) and
      // sent from the same slot, while the budget lasts, unless the last claim filled every slot it
      // asked for: then other endpoints may be waiting, and the slot goes back to the claim, which
      // serves endpoints in order of how long they have been ready (round robin).
      const chain = async () => {
        let current: ClaimedDelivery | null = c;
        while (current) {
          result.attempted++;
          const claimNext = !saturated && Date.now() < deadline && !options.signal?.aborted;
          let done: Chained;
          try {
            done = await performDeliveryAndClaimNext(db, current, deps, claimNext);
          } catch (error) {
            deps.log?.(`delivery ${current.deliveryId} could not be recorded: ${reason(error)}; its lease will expire and it is tried again`);
            break;
          }
          if (done.verdict === "succeeded") result.succeeded++;
          else result.failed++;
          current = done.next;
          // The next head may not go yet (its backoff or the rate window): wake for it then.
          if (done.nextReadyAt) deferredUntil = Math.min(deferredUntil ?? Infinity, done.nextReadyAt.getTime());
        }
      };
      const p: Promise<void> = chain().finally(() => {
        running.delete(p);
        notify();
      });
      running.add(p);
    }
    if (claim.claimed.length > 0 && claim.claimed.length === free) continue;
    const readyAt = Math.min(claim.nextReadyAt?.getTime() ?? Infinity, deferredUntil ?? Infinity);
    deferredUntil = null;
    let untilReady = Number.isFinite(readyAt) ? readyAt - clockOf(deps).getTime() : pollMs;
    if (running.size === 0 && claim.claimed.length === 0) {
      // Idle: wait for the earliest endpoint that has work but is held by its rate limit or backoff,
      // if that comes within the budget; otherwise stop (after lingering for new work, if asked).
      const due = await nextDueAt(db).catch(() => null);
      const wait = due ? due.getTime() - clockOf(deps).getTime() : Infinity;
      if (Date.now() >= lingerUntil && Date.now() + wait >= deadline) break;
      untilReady = Math.min(untilReady, wait);
    }
    // Sleep until a request finishes, a deferred endpoint becomes ready, or the poll interval passes.
    await sleep(Math.max(2, Math.min(pollMs, untilReady, deadline - Date.now())));
  }
  await Promise.all(running);
  return result;
}
