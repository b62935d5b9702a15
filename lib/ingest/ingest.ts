import { eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db";
import { messageEvents, messages, type MessageStatus } from "@/db/schema";
import { addOutcomeCounts, type OutcomeCounts } from "@/lib/campaigns/stats";
import type { ContactStatus } from "@/db/schema";
import { enqueueIngestedEvent } from "@/lib/outbound-webhooks/outbox";
import { extractPostmarkEvent, type ExtractedEvent } from "./extract";
import type { PostmarkEvent } from "./postmark-payload";

export type EventSource = "webhook" | "reconciliation";

export interface IngestResult {
  outcome: "stored" | "duplicate" | "orphan";
  eventId: number | null;
  messageId: string | null;
}

type MessageRow = typeof messages.$inferSelect;

// Progress along the normal path; a terminal outcome, once reached, is never left.
const RANK: Partial<Record<MessageStatus, number>> = { queued: 0, sending: 1, sent: 2, delivered: 3, opened: 4, clicked: 5 };
const TERMINAL = new Set<MessageStatus>(["bounced", "spam_complaint", "unsubscribed"]);

function later(a: Date | null, b: Date): Date {
  return a && a > b ? a : b;
}
function earlier(a: Date | null, b: Date): Date {
  return a && a < b ? a : b;
}

/** The flags campaign totals count: each moves from false to true at most once per message. */
function outcomeFlags(m: Pick<MessageRow, "deliveredAt" | "firstOpenedAt" | "firstClickedAt" | "status">) {
  return {
    // An open or a click proves delivery even when the Delivery webhook was lost.
    delivered: Boolean(m.deliveredAt || m.firstOpenedAt || m.firstClickedAt),
    opened: Boolean(m.firstOpenedAt),
    clicked: Boolean(m.firstClickedAt),
    bounced: m.status === "bounced",
    spamComplaints: m.status === "spam_complaint",
    unsubscribed: m.status === "unsubscribed",
  };
}

/**
 * The message after one more event. Pure and order-independent: timestamps take min/max, counts
 * add, status takes the furthest point reached, so any arrival order ends in the same row.
 */
export function applyEventToMessage(m: MessageRow, e: ExtractedEvent): Partial<MessageRow> {
  const at = e.occurredAt;
  const next: Partial<MessageRow> = { lastEventAt: later(m.lastEventAt, at), updatedAt: new Date() };
  let implied: MessageStatus | null = null;
  switch (e.effect.kind) {
    case "delivered":
      next.deliveredAt = earlier(m.deliveredAt, at);
      implied = "delivered";
      break;
    case "opened":
      next.firstOpenedAt = earlier(m.firstOpenedAt, at);
      next.lastOpenedAt = later(m.lastOpenedAt, at);
      next.openCount = m.openCount + 1;
      implied = "opened";
      break;
    case "clicked":
      next.firstClickedAt = earlier(m.firstClickedAt, at);
      next.lastClickedAt = later(m.lastClickedAt, at);
      next.clickCount = m.clickCount + 1;
      implied = "clicked";
      break;
    case "bounced":
      next.bouncedAt = earlier(m.bouncedAt, at);
      implied = "bounced";
      break;
    case "spam_complaint":
      next.complainedAt = earlier(m.complainedAt, at);
      implied = "spam_complaint";
      break;
    case "subscription":
      // The recipient used Postmark's own unsubscribe: the message ends as unsubscribed. Suppressions
      // caused by a bounce or complaint arrive with their own Bounce/SpamComplaint event.
      if (e.effect.suppress && (e.effect.reason === "ManualSuppression" || e.effect.reason === null)) {
        next.unsubscribedAt = earlier(m.unsubscribedAt, at);
        implied = "unsubscribed";
      }
      break;
    case "delayed":
      break;
  }
  if (implied && !TERMINAL.has(m.status)) {
    if (TERMINAL.has(implied)) next.status = implied;
    else if ((RANK[implied] ?? 0) > (RANK[m.status] ?? -1)) next.status = implied;
  }
  return next;
}

/** What the event means for the contact behind the address, if anything. */
function contactEffect(e: ExtractedEvent): { status: ContactStatus; reason: string } | null {
  switch (e.effect.kind) {
    case "bounced":
      return e.effect.suppress ? { status: "bounced", reason: `Hard bounce reported by Postmark (${String(e.details.type ?? "bounce")})` } : null;
    case "spam_complaint":
      return { status: "complained", reason: "Spam complaint reported by Postmark" };
    case "subscription":
      if (!e.effect.suppress) return { status: "subscribed", reason: "Reactivated in Postmark" };
      if (e.effect.reason === "HardBounce") return { status: "bounced", reason: "Suppressed by Postmark after a hard bounce" };
      if (e.effect.reason === "SpamComplaint") return { status: "complained", reason: "Suppressed by Postmark after a spam complaint" };
      return { status: "unsubscribed", reason: "Unsubscribed through Postmark" };
    default:
      return null;
  }
}

async function applyContactEffect(tx: DbOrTx, e: ExtractedEvent): Promise<void> {
  const effect = contactEffect(e);
  if (!effect) return;
  // Reactivation only lifts a suppression; it never overrides a status set later than the event.
  await tx.execute(sql`
    update contacts set status = ${effect.status}, status_reason = ${effect.reason},
           status_changed_at = ${e.occurredAt.toISOString()}::timestamptz, updated_at = now()
    where lower(email) = lower(${e.recipient})
      and status <> ${effect.status}
      and (status_changed_at is null or status_changed_at <= ${e.occurredAt.toISOString()}::timestamptz)`);
}

/** Opens and clicks per hour, and clicks per link, for the campaign page (never recounted). */
async function addCampaignActivity(tx: DbOrTx, campaignId: string, messageId: string, e: ExtractedEvent, eventId: number): Promise<void> {
  if (e.effect.kind !== "opened" && e.effect.kind !== "clicked") return;
  const hour = new Date(Math.floor(e.occurredAt.getTime() / 3_600_000) * 3_600_000);
  const opens = e.effect.kind === "opened" ? 1 : 0;
  await tx.execute(sql`
    insert into campaign_hourly_activity (campaign_id, hour, opens, clicks)
    values (${campaignId}::uuid, ${hour.toISOString()}::timestamptz, ${opens}, ${1 - opens})
    on conflict (campaign_id, hour) do update
      set opens = campaign_hourly_activity.opens + excluded.opens, clicks = campaign_hourly_activity.clicks + excluded.clicks`);
  const link = typeof e.details.link === "string" ? e.details.link.slice(0, 2000) : null;
  if (e.effect.kind !== "clicked" || !link) return;
  // Unique per recipient: the first click of this message on this link.
  const earlier = await tx.execute(sql`
    select 1 from message_events
    where message_id = ${messageId}::uuid and record_type = 'Click' and id <> ${eventId} and details->>'link' = ${link}
    limit 1`);
  const unique = earlier.rows.length === 0 ? 1 : 0;
  await tx.execute(sql`
    insert into campaign_link_clicks (campaign_id, link, clicks, unique_clicks)
    values (${campaignId}::uuid, ${link}, 1, ${unique})
    on conflict (campaign_id, link) do update
      set clicks = campaign_link_clicks.clicks + 1, unique_clicks = campaign_link_clicks.unique_clicks + excluded.unique_clicks`);
}

/** Moves one message by one event and the campaign totals by exactly what changed. */
async function applyToMessage(tx: DbOrTx, message: MessageRow, e: ExtractedEvent, eventId: number): Promise<void> {
  const change = applyEventToMessage(message, e);
  await tx.update(messages).set(change).where(eq(messages.id, message.id));
  if (!message.campaignId) return;
  await addCampaignActivity(tx, message.campaignId, message.id, e, eventId);
  const before = outcomeFlags(message);
  const after = outcomeFlags({ ...message, ...change } as MessageRow);
  const delta: Partial<OutcomeCounts> = {};
  for (const k of Object.keys(before) as (keyof typeof before)[]) {
    if (!before[k] && after[k]) delta[k] = 1;
  }
  await addOutcomeCounts(tx, message.campaignId, message.id, delta);
}

/**
 * Stores one Postmark event and applies it, in one transaction: the raw JSON (exactly the bytes
 * received, as jsonb), its extracted fields, the message's new state, the campaign's totals and
 * the contact's status. The event key's unique index makes a retried post a no-op. An event whose
 * MessageID we do not know yet is kept as an orphan and applied when the message gets that id.
 */
export async function ingestPostmarkEvent(
  db: Db,
  event: PostmarkEvent,
  options: { rawText?: string; source?: EventSource } = {},
): Promise<IngestResult> {
  const extracted = extractPostmarkEvent(event, options.rawText ?? null);
  const raw = options.rawText ?? JSON.stringify(event);
  return db.transaction(async (tx) => {
    const [message] = extracted.postmarkMessageId
      ? await tx.select().from(messages).where(eq(messages.postmarkMessageId, extracted.postmarkMessageId)).for("update").limit(1)
      : [];
    const [inserted] = await tx
      .insert(messageEvents)
      .values({
        eventKey: extracted.eventKey,
        messageId: message?.id ?? null,
        postmarkMessageId: extracted.postmarkMessageId,
        recordType: extracted.recordType,
        recipient: extracted.recipient,
        occurredAt: extracted.occurredAt,
        source: options.source ?? "webhook",
        raw: sql`${raw}::jsonb`,
        details: extracted.details,
      })
      .onConflictDoNothing({ target: messageEvents.eventKey })
      .returning({ id: messageEvents.id });
    if (!inserted) return { outcome: "duplicate", eventId: null, messageId: message?.id ?? null };
    await applyContactEffect(tx, extracted);
    if (!message) return { outcome: "orphan", eventId: inserted.id, messageId: null };
    await applyToMessage(tx, message, extracted, inserted.id);
    await enqueueIngestedEvent(tx, message, extracted);
    return { outcome: "stored", eventId: inserted.id, messageId: message.id };
  });
}

/**
 * Applies events that arrived before their message had a Postmark MessageID (a webhook can beat our
 * own write of the send result). Called in the transaction that stores the MessageIDs.
 */
export async function linkOrphanEvents(tx: DbOrTx, postmarkMessageIds: string[]): Promise<number> {
  if (postmarkMessageIds.length === 0) return 0;
  const orphans = await tx.execute<{ id: number; raw: PostmarkEvent }>(sql`
    select id, raw from message_events
    where message_id is null
      and postmark_message_id in (select jsonb_array_elements_text(${JSON.stringify(postmarkMessageIds)}::jsonb))
    order by occurred_at, id
    for update`);
  let linked = 0;
  for (const row of orphans.rows) {
    const extracted = extractPostmarkEvent(row.raw);
    const [message] = await tx.select().from(messages).where(eq(messages.postmarkMessageId, extracted.postmarkMessageId!)).for("update").limit(1);
    if (!message) continue;
    await tx.update(messageEvents).set({ messageId: message.id }).where(eq(messageEvents.id, row.id));
    await applyToMessage(tx, message, extracted, row.id);
    await enqueueIngestedEvent(tx, message, extracted);
    linked++;
  }
  return linked;
}
