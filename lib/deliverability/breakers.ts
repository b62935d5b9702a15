/**
 * Circuit breakers (issue 18): a campaign or sequence that draws spam complaints or hard bounces is
 * stopped before it costs the sender its reputation (Gmail and Yahoo's bulk-sender rules: spam rate
 * under 0.1%, never 0.3%).
 *
 * - Complaint rate = spam complaints / delivered; hard-bounce rate = hard bounces / (delivered + hard
 *   bounces). Neither is judged before `minDeliveries` (one complaint in the first 200 is noise).
 * - Complaint rate above `complaintAlertRate`: an admin alert, once. Above `complaintPauseRate`, or a
 *   hard-bounce rate above `hardBouncePauseRate`: paused, with the reason, and an admin alert. "Above" is
 *   strictly above: exactly 0.3% does not pause.
 * - Read from the totals ingestion keeps (campaign_event_counters, sequence_outcome_counters: at most
 *   16 rows each), never by counting events, so the dispatcher can check before every claim.
 * - Each trip is a breaker_trips row; at most one open per owner, reason and level (a unique index),
 *   which is what makes the alert go out once and not on every batch, whoever checks at the same time.
 * - A breaker's pause is lifted only by an admin (`resumeAfterBreaker`), which closes the open trips
 *   and starts a new window at the totals of that moment: what happened before was seen and accepted.
 *
 * The clock, the thresholds and the alert emailer come in as arguments (`BreakerDeps`).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db";
import { breakerTrips, campaigns, sequences, type BreakerLevel, type BreakerReason } from "@/db/schema";
import { raiseAndNotify, type AfterResponse, type AlertEmailer } from "@/lib/alerts/alerts";
import { AppError } from "@/lib/errors";

export interface BreakerThresholds {
  /** Complaint rate above which admins are alerted (0.001 = 0.1%). */
  complaintAlertRate: number;
  /** Complaint rate above which sending pauses (0.003 = 0.3%). */
  complaintPauseRate: number;
  /** Hard-bounce rate above which sending pauses (0.05 = 5%). */
  hardBouncePauseRate: number;
  /** Deliveries in the window before any rate is judged. */
  minDeliveries: number;
}

export const DEFAULT_BREAKER_THRESHOLDS: BreakerThresholds = {
  complaintAlertRate: 0.001,
  complaintPauseRate: 0.003,
  hardBouncePauseRate: 0.05,
  minDeliveries: 1_000,
};

/** How long after its send a campaign's late complaints and bounces are still watched. */
export const AFTER_SEND_WATCH_DAYS = 7;

/**
 * A campaign that shows trouble (complaint rate above the alert threshold, or hard bounces above half
 * the pause threshold, before the minimum too) sends in batches of this share of its audience (at
 * least 10, at most Postmark's 500), so that when its breaker trips, what is already in flight is a
 * few dozen recipients of 10,000, not two batches of 500.
 */
export const CAUTIOUS_BATCH_SHARE = 0.002;

/**
 * The sample: a campaign's first window sends at most this many times `minDeliveries`, then holds
 * until that many are delivered (so its rates can be judged before the rest goes out), for at most
 * PROBE_WAIT_MS after it started (webhooks may be late or down: reconciliation's business, not a
 * reason to hold a campaign for good). Without it a fast send outruns every webhook: 10,000 recipients
 * go out in seconds and a breaker could only ever act after the send. It holds only while Postmark's
 * Delivery webhooks are arriving (one received in the last WEBHOOKS_LIVE_MS): with none, there is
 * nothing to wait for. A held campaign is left to the next sending run (the cron, each minute), not
 * waited for inside this one: complaints come after deliveries, and a run that went on the moment the
 * deliveries were in sent the rest before the complaints could count (drill 9 caught it).
 */
export const PROBE_MULTIPLE = 2;
export const PROBE_WAIT_MS = 120_000;
export const WEBHOOKS_LIVE_MS = 3_600_000;

export interface BreakerDeps {
  thresholds: BreakerThresholds;
  emailer: AlertEmailer | null;
  now: () => Date;
  afterResponse?: AfterResponse;
}

/** What a breaker judges: the totals since its window started. */
export interface BreakerCounts {
  delivered: number;
  complaints: number;
  hardBounces: number;
}

export interface BreakerVerdict {
  complaintRate: number;
  hardBounceRate: number;
  /** Whether the window has enough deliveries for the rates to count. */
  judged: boolean;
  trips: { reason: BreakerReason; level: BreakerLevel; rate: number; threshold: number }[];
  /** Trouble showing, judged or not yet: send in small batches. */
  cautious: boolean;
}

export function judgeBreakers(c: BreakerCounts, t: BreakerThresholds): BreakerVerdict {
  const complaintRate = c.delivered > 0 ? c.complaints / c.delivered : 0;
  const attempted = c.delivered + c.hardBounces;
  const hardBounceRate = attempted > 0 ? c.hardBounces / attempted : 0;
  const judged = c.delivered >= t.minDeliveries;
  const trips: BreakerVerdict["trips"] = [];
  if (judged && complaintRate > t.complaintAlertRate) trips.push({ reason: "complaint_rate", level: "alert", rate: complaintRate, threshold: t.complaintAlertRate });
  if (judged && complaintRate > t.complaintPauseRate) trips.push({ reason: "complaint_rate", level: "pause", rate: complaintRate, threshold: t.complaintPauseRate });
  if (judged && hardBounceRate > t.hardBouncePauseRate) trips.push({ reason: "hard_bounce_rate", level: "pause", rate: hardBounceRate, threshold: t.hardBouncePauseRate });
  const cautious = complaintRate > t.complaintAlertRate || hardBounceRate > t.hardBouncePauseRate / 2;
  return { complaintRate, hardBounceRate, judged, trips, cautious };
}

export function formatRate(rate: number): string {
  return `${(rate * 100).toFixed(rate < 0.1 ? 2 : 1)}%`;
}

/** The sentence a paused campaign or sequence shows, and the alert says. */
export function describeTrip(trip: { reason: BreakerReason; rate: number; threshold: number; delivered: number; complaints: number; hardBounces: number }): string {
  return trip.reason === "complaint_rate"
    ? `Spam complaint rate ${formatRate(trip.rate)} (${trip.complaints.toLocaleString("en")} complaints of ${trip.delivered.toLocaleString("en")} delivered) is above ${formatRate(trip.threshold)}`
    : `Hard-bounce rate ${formatRate(trip.rate)} (${trip.hardBounces.toLocaleString("en")} hard bounces of ${(trip.delivered + trip.hardBounces).toLocaleString("en")} sent) is above ${formatRate(trip.threshold)}`;
}

type Owner = { campaignId: string } | { sequenceId: string };

interface OwnerState {
  id: string;
  name: string;
  status: string;
  recipientCount: number;
  /** Sent, or handed to a batch that is in flight. */
  sentCount: number;
  /** Its audience is still being frozen into message rows: recipientCount is not final yet. */
  freezing: boolean;
  startedAt: Date | null;
  firstWindow: boolean;
  totals: BreakerCounts;
  window: BreakerCounts;
}

const num = (v: unknown) => Number(v ?? 0);

function windowOf(totals: BreakerCounts, base: BreakerCounts): BreakerCounts {
  return { delivered: Math.max(0, totals.delivered - base.delivered), complaints: Math.max(0, totals.complaints - base.complaints), hardBounces: Math.max(0, totals.hardBounces - base.hardBounces) };
}

type StateRow = { id: string; name: string; status: string; recipient_count: number; sent_count: number; freezing: boolean; started_at: string | Date | null; base_delivered: number; base_complaints: number; base_hard: number; delivered: number; complaints: number; hard: number };

function toState(r: StateRow): OwnerState {
  const totals = { delivered: num(r.delivered), complaints: num(r.complaints), hardBounces: num(r.hard) };
  const base = { delivered: r.base_delivered, complaints: r.base_complaints, hardBounces: r.base_hard };
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    recipientCount: num(r.recipient_count),
    sentCount: num(r.sent_count),
    freezing: r.freezing === true,
    startedAt: r.started_at ? new Date(r.started_at) : null,
    firstWindow: base.delivered === 0 && base.complaints === 0 && base.hardBounces === 0,
    totals,
    window: windowOf(totals, base),
  };
}

/** Campaigns' breaker state from their counter shards, by a condition on `c` (campaigns). */
async function campaignStates(db: DbOrTx, where: ReturnType<typeof sql>): Promise<OwnerState[]> {
  const rows = await db.execute<StateRow>(sql`
    -- Sent so far, and what is in flight (open batches: few rows, on their partial index), so that two
    -- workers claiming at once cannot both pass the sample's limit on a count that lags their batches.
    select c.id, c.name, c.status::text as status, c.recipient_count, c.freezing, c.started_at,
           c.sent_count + coalesce((select sum(b.message_count) from send_batches b
                                    where b.status in ('in_flight', 'uncertain') and b.campaign_id = c.id), 0)::int as sent_count,
           c.breaker_base_delivered as base_delivered, c.breaker_base_complaints as base_complaints, c.breaker_base_hard_bounces as base_hard,
           coalesce(sum(k.delivered), 0)::int as delivered, coalesce(sum(k.spam_complaints), 0)::int as complaints, coalesce(sum(k.hard_bounced), 0)::int as hard
    from campaigns c left join campaign_event_counters k on k.campaign_id = c.id
    where ${where}
    group by c.id`);
  return rows.rows.map(toState);
}

async function sequenceStates(db: DbOrTx, where: ReturnType<typeof sql>): Promise<OwnerState[]> {
  const rows = await db.execute<StateRow>(sql`
    select s.id, s.name, s.status::text as status, 0 as recipient_count, 0 as sent_count, false as freezing, null::timestamptz as started_at,
           s.breaker_base_delivered as base_delivered, s.breaker_base_complaints as base_complaints, s.breaker_base_hard_bounces as base_hard,
           coalesce(sum(k.delivered), 0)::int as delivered, coalesce(sum(k.spam_complaints), 0)::int as complaints, coalesce(sum(k.hard_bounced), 0)::int as hard
    from sequences s left join sequence_outcome_counters k on k.sequence_id = s.id
    where ${where}
    group by s.id`);
  return rows.rows.map(toState);
}

export interface CheckResult {
  /** False when the owner is paused (now or already) or not sending. */
  send: boolean;
  /** A smaller batch for a campaign showing trouble; undefined: the usual size. */
  batchSize?: number;
  /** Trips recorded by this check (an open one already there is not repeated). */
  tripped: { reason: BreakerReason; level: BreakerLevel; paused: boolean }[];
  /** Holding after the sample until its deliveries can be judged (PROBE_MULTIPLE). */
  holding?: boolean;
}

/**
 * Judges one owner and acts: records each new trip, pauses on a pause-level trip when it is still
 * sending (a campaign whose send finished is recorded and alerted, with nothing to pause), and raises
 * one admin alert per new trip.
 */
async function act(db: Db, owner: "campaign" | "sequence", state: OwnerState, deps: BreakerDeps): Promise<CheckResult> {
  const verdict = judgeBreakers(state.window, deps.thresholds);
  const running = owner === "campaign" ? state.status === "sending" : state.status === "active";
  const tripped: CheckResult["tripped"] = [];
  const now = deps.now();
  for (const trip of verdict.trips) {
    const recorded = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(breakerTrips)
        .values({
          campaignId: owner === "campaign" ? state.id : null,
          sequenceId: owner === "sequence" ? state.id : null,
          reason: trip.reason,
          level: trip.level,
          delivered: state.window.delivered,
          complaints: state.window.complaints,
          hardBounces: state.window.hardBounces,
          rate: trip.rate,
          threshold: trip.threshold,
          trippedAt: now,
        })
        .onConflictDoNothing()
        .returning({ id: breakerTrips.id });
      if (!row) return null;
      let paused = false;
      if (trip.level === "pause") {
        const done =
          owner === "campaign"
            ? await tx.update(campaigns).set({ status: "paused", pausedAt: now, updatedAt: now }).where(and(eq(campaigns.id, state.id), eq(campaigns.status, "sending"))).returning({ id: campaigns.id })
            : await tx.update(sequences).set({ status: "paused", pausedAt: now, updatedAt: now }).where(and(eq(sequences.id, state.id), eq(sequences.status, "active"))).returning({ id: sequences.id });
        paused = done.length > 0;
        if (paused) await tx.update(breakerTrips).set({ paused: true }).where(eq(breakerTrips.id, row.id));
      }
      return { paused };
    });
    if (!recorded) continue;
    tripped.push({ reason: trip.reason, level: trip.level, paused: recorded.paused });
    await raiseAndNotify(db, tripAlert(owner, state, trip, recorded.paused), { emailer: deps.emailer, now, afterResponse: deps.afterResponse }).catch((error) => console.warn("[breakers] could not raise the alert:", error));
  }
  const stopped = tripped.some((t) => t.paused) || !running;
  // Just judged on part of the sample, a window's complaint rate is the least certain it will be:
  // complaints come after deliveries, so until the window has as many delivered as the sample sent,
  // batches stay cautious. A rate crossing in the meantime then stops within a few dozen recipients
  // (drill 9 once saw 1,000 recipients go out after the 1,500th delivery crossed 0.3%: full batches,
  // claimed, as far as the figures tell, while the complaints counted were still below the alert level).
  const settling = verdict.judged && state.firstWindow && state.window.delivered < PROBE_MULTIPLE * deps.thresholds.minDeliveries;
  const batchSize = (verdict.cautious || settling) && owner === "campaign" ? Math.min(500, Math.max(10, Math.ceil(state.recipientCount * CAUTIOUS_BATCH_SHARE))) : undefined;
  const sampleSent =
    owner === "campaign" &&
    !stopped &&
    !verdict.judged &&
    state.firstWindow &&
    state.sentCount >= PROBE_MULTIPLE * deps.thresholds.minDeliveries &&
    // Nothing left to claim: nothing to hold (a worker would wait for no reason).
    (state.freezing || state.sentCount < state.recipientCount) &&
    state.startedAt !== null &&
    now.getTime() - state.startedAt.getTime() < PROBE_WAIT_MS;
  const holding = sampleSent && (await deliveryWebhooksArriving(db, now));
  return { send: !stopped && !holding, batchSize, tripped, holding };
}

function tripAlert(owner: "campaign" | "sequence", state: OwnerState, trip: BreakerVerdict["trips"][number], paused: boolean) {
  const what = `${owner === "campaign" ? "Campaign" : "Sequence"} "${state.name}"`;
  const seen = describeTrip({ ...trip, ...state.window });
  const title =
    trip.level === "alert"
      ? `${what}: spam complaints above ${formatRate(trip.threshold)}`
      : paused
        ? `${what} paused: ${trip.reason === "complaint_rate" ? "spam complaints" : "hard bounces"} above ${formatRate(trip.threshold)}`
        : `${what}: ${trip.reason === "complaint_rate" ? "spam complaints" : "hard bounces"} above ${formatRate(trip.threshold)} after sending`;
  const action =
    trip.level === "alert"
      ? "Sending continues; it pauses if the rate goes above the pause threshold."
      : paused
        ? "Sending is paused. An admin can resume it from its page once the cause is understood."
        : "There was nothing left to pause; review the audience before sending to it again.";
  return {
    kind: "deliverability_breaker",
    dedupeKey: `${owner}:${state.id}:${trip.reason}:${trip.level}`,
    title,
    body: `${seen}. ${action}`,
    severity: trip.level === "alert" ? ("warning" as const) : ("critical" as const),
  };
}

/** The dispatcher's check before it claims a campaign's batch: stop (paused or tripped now) or send, and how big. */
/** Whether Postmark's Delivery webhooks reach Postline (one in the last WEBHOOKS_LIVE_MS): a short range of message_events_received_idx. */
async function deliveryWebhooksArriving(db: DbOrTx, now: Date): Promise<boolean> {
  const since = new Date(now.getTime() - WEBHOOKS_LIVE_MS).toISOString();
  const { rows } = await db.execute(sql`
    select 1 from message_events where received_at > ${since}::timestamptz and source = 'webhook' and record_type = 'Delivery' limit 1`);
  return rows.length > 0;
}

export async function checkCampaignBreaker(db: Db, { campaignId }: { campaignId: string }, deps: BreakerDeps): Promise<CheckResult> {
  const [state] = await campaignStates(db, sql`c.id = ${campaignId}::uuid`);
  if (!state) return { send: false, tripped: [] };
  return act(db, "campaign", state, deps);
}

/**
 * Every owner the breakers watch, judged once: campaigns sending, campaigns whose send finished in the
 * last AFTER_SEND_WATCH_DAYS (complaints come late), active sequences. Run by the sending job (before
 * its sequence steps and once per run) so late complaints are seen without a send in progress.
 */
export async function checkBreakers(db: Db, deps: BreakerDeps): Promise<{ checked: number; tripped: number }> {
  const since = new Date(deps.now().getTime() - AFTER_SEND_WATCH_DAYS * 86_400_000).toISOString();
  const watched = [
    ...(await campaignStates(db, sql`c.status = 'sending' or (c.status = 'sent' and c.completed_at >= ${since}::timestamptz)`)).map((s) => ({ owner: "campaign" as const, s })),
    ...(await sequenceStates(db, sql`s.status = 'active'`)).map((s) => ({ owner: "sequence" as const, s })),
  ];
  let tripped = 0;
  for (const { owner, s } of watched) {
    // Most owners are nowhere near a threshold: judged in memory, written only on a new trip.
    if (judgeBreakers(s.window, deps.thresholds).trips.length === 0) continue;
    tripped += (await act(db, owner, s, deps)).tripped.length;
  }
  return { checked: watched.length, tripped };
}

/** Active sequences only: what the sending job runs before each sequence step (cheap: counters of active sequences). */
export async function checkSequenceBreakers(db: Db, deps: BreakerDeps): Promise<number> {
  let tripped = 0;
  for (const s of await sequenceStates(db, sql`s.status = 'active'`)) {
    if (judgeBreakers(s.window, deps.thresholds).trips.length === 0) continue;
    tripped += (await act(db, "sequence", s, deps)).tripped.length;
  }
  return tripped;
}

export type BreakerTrip = typeof breakerTrips.$inferSelect;

function ownerCondition(owner: Owner) {
  return "campaignId" in owner ? eq(breakerTrips.campaignId, owner.campaignId) : eq(breakerTrips.sequenceId, owner.sequenceId);
}

/** The open trips of a campaign or sequence, pauses first. */
export async function listOpenTrips(db: DbOrTx, owner: Owner): Promise<BreakerTrip[]> {
  return db
    .select()
    .from(breakerTrips)
    .where(and(ownerCondition(owner), isNull(breakerTrips.resumedAt)))
    .orderBy(sql`${breakerTrips.level} desc`, breakerTrips.trippedAt);
}

/** The open trip that paused it, if a breaker did (what makes resuming an admin's decision). */
export async function getBreakerPause(db: DbOrTx, owner: Owner): Promise<BreakerTrip | null> {
  const trips = await listOpenTrips(db, owner);
  return trips.find((t) => t.level === "pause" && t.paused) ?? null;
}

/**
 * The resume guard, in the caller's transaction (with the owner's row locked): when a breaker paused
 * it, only an admin may resume; the admin's resume closes every open trip and starts a new window at
 * today's totals. Returns the trip that was lifted (null when no breaker had paused it).
 */
export async function resumeAfterBreaker(tx: DbOrTx, owner: Owner, by: { role: string; userId: string | null }, now: Date): Promise<BreakerTrip | null> {
  const pause = await getBreakerPause(tx, owner);
  if (!pause) return null;
  if (by.role !== "admin") {
    throw new AppError("forbidden", `Paused by a circuit breaker: ${describeTrip(pause)}. Only an admin can resume it.`);
  }
  await tx.update(breakerTrips).set({ resumedAt: now, resumedById: by.userId }).where(and(ownerCondition(owner), isNull(breakerTrips.resumedAt)));
  if ("campaignId" in owner) {
    const [state] = await campaignStates(tx, sql`c.id = ${owner.campaignId}::uuid`);
    await tx
      .update(campaigns)
      .set({ breakerBaseDelivered: state.totals.delivered, breakerBaseComplaints: state.totals.complaints, breakerBaseHardBounces: state.totals.hardBounces })
      .where(eq(campaigns.id, owner.campaignId));
  } else {
    const [state] = await sequenceStates(tx, sql`s.id = ${owner.sequenceId}::uuid`);
    await tx
      .update(sequences)
      .set({ breakerBaseDelivered: state.totals.delivered, breakerBaseComplaints: state.totals.complaints, breakerBaseHardBounces: state.totals.hardBounces })
      .where(eq(sequences.id, owner.sequenceId));
  }
  return pause;
}

export interface BreakerView {
  window: BreakerCounts;
  complaintRate: number;
  hardBounceRate: number;
  judged: boolean;
  thresholds: BreakerThresholds;
  openTrips: BreakerTrip[];
  /** The trip that paused it, while open. */
  pausedBy: BreakerTrip | null;
}

/** What the campaign or sequence page shows: the rates in the current window against the thresholds, and any open trip. */
export async function getBreakerView(db: DbOrTx, owner: Owner, thresholds: BreakerThresholds): Promise<BreakerView | null> {
  const [state] = "campaignId" in owner ? await campaignStates(db, sql`c.id = ${owner.campaignId}::uuid`) : await sequenceStates(db, sql`s.id = ${owner.sequenceId}::uuid`);
  if (!state) return null;
  const v = judgeBreakers(state.window, thresholds);
  const openTrips = await listOpenTrips(db, owner);
  return { window: state.window, complaintRate: v.complaintRate, hardBounceRate: v.hardBounceRate, judged: v.judged, thresholds, openTrips, pausedBy: openTrips.find((t) => t.level === "pause" && t.paused) ?? null };
}

export interface BreakerOverviewRow {
  kind: "campaign" | "sequence";
  id: string;
  name: string;
  status: string;
  delivered: number;
  complaintRate: number;
  hardBounceRate: number;
  judged: boolean;
  pausedBy: BreakerReason | null;
}

/** The home page's list: what the breakers watch now (sending, recently sent, active or breaker-paused), worst first. */
export async function listWatchedRates(db: DbOrTx, thresholds: BreakerThresholds, now: Date, limit = 8): Promise<BreakerOverviewRow[]> {
  const since = new Date(now.getTime() - AFTER_SEND_WATCH_DAYS * 86_400_000).toISOString();
  const pausedCampaigns = sql`exists (select 1 from breaker_trips t where t.campaign_id = c.id and t.resumed_at is null and t.paused)`;
  const pausedSequences = sql`exists (select 1 from breaker_trips t where t.sequence_id = s.id and t.resumed_at is null and t.paused)`;
  const [cs, ss] = await Promise.all([
    campaignStates(db, sql`c.status = 'sending' or (c.status = 'sent' and c.completed_at >= ${since}::timestamptz) or (c.status = 'paused' and ${pausedCampaigns})`),
    sequenceStates(db, sql`s.status = 'active' or (s.status = 'paused' and ${pausedSequences})`),
  ]);
  const trips = await db
    .select({ campaignId: breakerTrips.campaignId, sequenceId: breakerTrips.sequenceId, reason: breakerTrips.reason })
    .from(breakerTrips)
    .where(and(isNull(breakerTrips.resumedAt), eq(breakerTrips.paused, true)));
  const pausedBy = new Map(trips.map((t) => [t.campaignId ?? t.sequenceId!, t.reason]));
  const rows = [...cs.map((s) => ({ kind: "campaign" as const, s })), ...ss.map((s) => ({ kind: "sequence" as const, s }))].map(({ kind, s }) => {
    const v = judgeBreakers(s.window, thresholds);
    return { kind, id: s.id, name: s.name, status: s.status, delivered: s.window.delivered, complaintRate: v.complaintRate, hardBounceRate: v.hardBounceRate, judged: v.judged, pausedBy: pausedBy.get(s.id) ?? null };
  });
  const severity = (r: BreakerOverviewRow) => (r.pausedBy ? 10 : 0) + r.complaintRate / thresholds.complaintPauseRate + r.hardBounceRate / thresholds.hardBouncePauseRate;
  return rows.sort((a, b) => severity(b) - severity(a)).slice(0, limit);
}
