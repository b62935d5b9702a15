/**
 * Whether a campaign's or a message's page should keep refreshing itself, and how often. Events keep
 * arriving long after sending ends (deliveries within seconds, opens and clicks for days), so a page
 * stays live while the campaign sends or is paused, for LIVE_WINDOW_HOURS after it finished or was
 * cancelled, and whenever an event arrived in the last RECENT_EVENT_MINUTES.
 */
import { and, eq, isNotNull, max } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { messages, type CampaignStatus, type MessageStatus } from "@/db/schema";

export const LIVE_WINDOW_HOURS = 72;
export const RECENT_EVENT_MINUTES = 10;
/** While sending, or within a couple of minutes of the last event: counts move every second. */
export const FAST_POLL_MS = 2_000;
/** Otherwise, while live: the odd late open or click. */
export const SLOW_POLL_MS = 15_000;
const BUSY_MS = 2 * 60_000;
/** A scheduled campaign's page turns live this long before its start, to show it begin. */
const SCHEDULED_LEAD_MS = 2 * 60_000;

const HOUR = 3_600_000;

/** How often to refresh, or null: the page is final and stops asking. */
export type PollInterval = number | null;

export interface CampaignLiveFacts {
  status: CampaignStatus;
  scheduledAt: Date | null;
  pausedAt: Date | null;
  completedAt: Date | null;
  cancelledAt: Date | null;
}

export function campaignPollInterval(c: CampaignLiveFacts, lastEventAt: Date | null, now: Date): PollInterval {
  const t = now.getTime();
  const age = (d: Date | null) => (d ? t - d.getTime() : Infinity);
  // Just paused, cancelled or finished: a batch in flight still lands, its deliveries follow.
  const stoppedAt = c.status === "paused" ? c.pausedAt : c.status === "cancelled" ? c.cancelledAt : c.status === "sent" ? c.completedAt : null;
  const eventAge = age(lastEventAt);
  if (c.status === "sending" || eventAge < BUSY_MS || age(stoppedAt) < BUSY_MS) return FAST_POLL_MS;
  if (c.status === "draft") return null;
  if (c.status === "scheduled") return c.scheduledAt && c.scheduledAt.getTime() - t < SCHEDULED_LEAD_MS ? FAST_POLL_MS : null;
  if (c.status === "paused") return SLOW_POLL_MS;
  const endedAt = c.completedAt ?? c.cancelledAt;
  if ((endedAt && t - endedAt.getTime() < LIVE_WINDOW_HOURS * HOUR) || eventAge < RECENT_EVENT_MINUTES * 60_000) return SLOW_POLL_MS;
  return null;
}

/** Statuses after which Postmark sends nothing more about a message (or it never left Postline). */
const FINAL: ReadonlySet<MessageStatus> = new Set(["bounced", "spam_complaint", "unsubscribed", "failed", "suppressed", "cancelled"]);

export interface MessageLiveFacts {
  status: MessageStatus;
  sentAt: Date | null;
  lastEventAt: Date | null;
  createdAt: Date;
}

export function messagePollInterval(m: MessageLiveFacts, now: Date): PollInterval {
  const t = now.getTime();
  const eventAge = m.lastEventAt ? t - m.lastEventAt.getTime() : Infinity;
  const sentAge = t - (m.sentAt ?? m.createdAt).getTime();
  if (m.status === "queued" || m.status === "sending" || eventAge < BUSY_MS) return FAST_POLL_MS;
  if (m.status === "sent" && sentAge < BUSY_MS) return FAST_POLL_MS;
  if (eventAge < RECENT_EVENT_MINUTES * 60_000) return SLOW_POLL_MS;
  if (!FINAL.has(m.status) && sentAge < LIVE_WINDOW_HOURS * HOUR) return SLOW_POLL_MS;
  return null;
}

/**
 * When the campaign's latest event arrived: the newest last_event_at of its messages, read backwards
 * from messages_campaign_activity_idx (one index entry, whatever the campaign's size).
 */
export async function getCampaignLastEventAt(db: DbOrTx, campaignId: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: max(messages.lastEventAt) })
    .from(messages)
    .where(and(eq(messages.campaignId, campaignId), isNotNull(messages.lastEventAt)));
  return row?.at ? new Date(row.at) : null;
}
