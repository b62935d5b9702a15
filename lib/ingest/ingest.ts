import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db";
import type { ContactStatus, MessageStatus, messages } from "@/db/schema";
import { addOutcomeCountsMany, type OutcomeCounts, type OutcomeDelta } from "@/lib/campaigns/stats";
import type { OutboundEvent } from "@/lib/outbound-webhooks/events";
import { enqueueOutboundEvents, outboundEventForIngested } from "@/lib/outbound-webhooks/outbox";
import { extractPostmarkEvent, type ExtractedEvent } from "./extract";
import type { PostmarkEvent } from "./postmark-payload";

export type EventSource = "webhook" | "reconciliation";

export interface IngestResult {
  outcome: "stored" | "duplicate" | "orphan";
  eventId: number | null;
  messageId: string | null;
}

type MessageRow = typeof messages.$inferSelect;

/** The part of a message that events read and change (ingestion reads nothing else). */
type EventState = Pick<
  MessageRow,
  | "id" | "campaignId" | "contactId" | "toEmail" | "subject" | "tag" | "postmarkMessageId" | "status"
  | "deliveredAt" | "firstOpenedAt" | "lastOpenedAt" | "openCount" | "firstClickedAt" | "lastClickedAt" | "clickCount"
  | "bouncedAt" | "complainedAt" | "unsubscribedAt" | "lastEventAt"
>;

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
export function applyEventToMessage(m: EventState, e: ExtractedEvent): Partial<EventState> {
  const at = e.occurredAt;
  const next: Partial<EventState> = { lastEventAt: later(m.lastEventAt, at) };
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

/**
 * Contact suppressions and reactivations, oldest event first. Addresses are visited in sorted order
 * so two concurrent batches lock contact rows in the same order (no deadlock between them).
 */
async function applyContactEffects(tx: DbOrTx, events: ExtractedEvent[]): Promise<void> {
  const effects = events
    .map((e) => ({ e, effect: contactEffect(e) }))
    .filter((x): x is { e: ExtractedEvent; effect: NonNullable<ReturnType<typeof contactEffect>> } => x.effect !== null)
    .sort((a, b) => a.e.recipient.toLowerCase().localeCompare(b.e.recipient.toLowerCase()) || a.e.occurredAt.getTime() - b.e.occurredAt.getTime());
  for (const { e, effect } of effects) {
    // Reactivation only lifts a suppression; it never overrides a status set later than the event.
    await tx.execute(sql`
      update contacts set status = ${effect.status}, status_reason = ${effect.reason},
             status_changed_at = ${e.occurredAt.toISOString()}::timestamptz, updated_at = now()
      where lower(email) = lower(${e.recipient})
        and status <> ${effect.status}
        and (status_changed_at is null or status_changed_at <= ${e.occurredAt.toISOString()}::timestamptz)`);
  }
}

/** An event stored in this transaction that belongs to a message (locked by the caller). */
interface StoredEvent {
  eventId: number;
  extracted: ExtractedEvent;
  message: EventState;
}

const byKey = <T>(rows: Map<string, T>) => [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);

/**
 * Opens and clicks per hour, and clicks per link, for the campaign page (never recounted): one upsert
 * each, summed per key and written in key order.
 */
async function addCampaignActivity(tx: DbOrTx, stored: StoredEvent[]): Promise<void> {
  const hourly = new Map<string, { campaignId: string; hour: string; opens: number; clicks: number }>();
  const clicks: StoredEvent[] = [];
  for (const s of stored) {
    const kind = s.extracted.effect.kind;
    if (!s.message.campaignId || (kind !== "opened" && kind !== "clicked")) continue;
    const hour = new Date(Math.floor(s.extracted.occurredAt.getTime() / 3_600_000) * 3_600_000).toISOString();
    const key = `${s.message.campaignId}:${hour}`;
    const row = hourly.get(key) ?? { campaignId: s.message.campaignId, hour, opens: 0, clicks: 0 };
    if (kind === "opened") row.opens++;
    else row.clicks++;
    hourly.set(key, row);
    if (kind === "clicked" && typeof s.extracted.details.link === "string") clicks.push(s);
  }
  if (hourly.size > 0) {
    await tx.execute(sql`
      insert into campaign_hourly_activity (campaign_id, hour, opens, clicks)
      select (r->>'campaignId')::uuid, (r->>'hour')::timestamptz, (r->>'opens')::int, (r->>'clicks')::int
      from jsonb_array_elements(${JSON.stringify(byKey(hourly))}::jsonb) as r
      on conflict (campaign_id, hour) do update
        set opens = campaign_hourly_activity.opens + excluded.opens, clicks = campaign_hourly_activity.clicks + excluded.clicks`);
  }
  if (clicks.length === 0) return;
  // A click is unique when it is the message's first on that link: no earlier stored click, and
  // none before it in this batch.
  const linkOf = (s: StoredEvent) => (s.extracted.details.link as string).slice(0, 2000);
  const seen = new Set<string>();
  const prior = await tx.execute<{ message_id: string; link: string }>(sql`
    select distinct message_id, details->>'link' as link from message_events
    where message_id in (select jsonb_array_elements_text(${JSON.stringify([...new Set(clicks.map((s) => s.message.id))])}::jsonb)::uuid)
      and record_type = 'Click'
      and id not in (select jsonb_array_elements_text(${JSON.stringify(clicks.map((s) => s.eventId))}::jsonb)::bigint)`);
  for (const r of prior.rows) seen.add(`${r.message_id}\u001f${r.link.slice(0, 2000)}`);
  const perLink = new Map<string, { campaignId: string; link: string; clicks: number; unique: number }>();
  for (const s of clicks) {
    const link = linkOf(s);
    const mine = `${s.message.id}\u001f${link}`;
    const key = `${s.message.campaignId}\u001f${link}`;
    const row = perLink.get(key) ?? { campaignId: s.message.campaignId!, link, clicks: 0, unique: 0 };
    row.clicks++;
    if (!seen.has(mine)) row.unique++;
    seen.add(mine);
    perLink.set(key, row);
  }
  await tx.execute(sql`
    insert into campaign_link_clicks (campaign_id, link, clicks, unique_clicks)
    select (r->>'campaignId')::uuid, r->>'link', (r->>'clicks')::int, (r->>'unique')::int
    from jsonb_array_elements(${JSON.stringify(byKey(perLink))}::jsonb) as r
    on conflict (campaign_id, link) do update
      set clicks = campaign_link_clicks.clicks + excluded.clicks, unique_clicks = campaign_link_clicks.unique_clicks + excluded.unique_clicks`);
}

/**
 * Applies stored events to their (locked) messages: each message's row is folded over its events in
 * memory and written once; campaign totals move by exactly the flags that changed; opens and clicks
 * feed the campaign's activity; each event is announced through the outbox. Every table is written
 * with one statement whatever the number of events.
 */
async function applyStoredEvents(tx: DbOrTx, stored: StoredEvent[]): Promise<void> {
  if (stored.length === 0) return;
  const before = new Map<string, EventState>();
  const after = new Map<string, EventState>();
  for (const s of stored) {
    const current = after.get(s.message.id) ?? s.message;
    if (!before.has(s.message.id)) before.set(s.message.id, s.message);
    after.set(s.message.id, { ...current, ...applyEventToMessage(current, s.extracted) });
  }
  const rows = [...after.values()].map((m) => ({
    id: m.id,
    status: m.status,
    delivered_at: m.deliveredAt,
    first_opened_at: m.firstOpenedAt,
    last_opened_at: m.lastOpenedAt,
    open_count: m.openCount,
    first_clicked_at: m.firstClickedAt,
    last_clicked_at: m.lastClickedAt,
    click_count: m.clickCount,
    bounced_at: m.bouncedAt,
    complained_at: m.complainedAt,
    unsubscribed_at: m.unsubscribedAt,
    last_event_at: m.lastEventAt,
  }));
  await tx.execute(sql`
    update messages m set
      status = v.status::message_status, delivered_at = v.delivered_at, first_opened_at = v.first_opened_at,
      last_opened_at = v.last_opened_at, open_count = v.open_count, first_clicked_at = v.first_clicked_at,
      last_clicked_at = v.last_clicked_at, click_count = v.click_count, bounced_at = v.bounced_at,
      complained_at = v.complained_at, unsubscribed_at = v.unsubscribed_at, last_event_at = v.last_event_at,
      updated_at = now()
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(
      id uuid, status text, delivered_at timestamptz, first_opened_at timestamptz, last_opened_at timestamptz,
      open_count int, first_clicked_at timestamptz, last_clicked_at timestamptz, click_count int,
      bounced_at timestamptz, complained_at timestamptz, unsubscribed_at timestamptz, last_event_at timestamptz)
    where m.id = v.id`);

  const deltas: OutcomeDelta[] = [];
  for (const [id, final] of after) {
    const start = before.get(id)!;
    if (!start.campaignId) continue;
    const was = outcomeFlags(start);
    const now = outcomeFlags(final);
    const delta: Partial<OutcomeCounts> = {};
    for (const k of Object.keys(was) as (keyof typeof was)[]) if (!was[k] && now[k]) delta[k] = 1;
    deltas.push({ campaignId: start.campaignId, messageId: id, delta });
  }
  await enqueueOutboundEvents(
    tx,
    stored.map((s) => outboundEventForIngested(s.message, s.extracted)).filter((e): e is OutboundEvent => e !== null),
  );
  // Last, because every batch of a campaign meets on these rows (its 16 counter shards, the current
  // hour): their locks are held only from here to the commit.
  await addOutcomeCountsMany(tx, deltas);
  await addCampaignActivity(tx, stored);
}

/** Locks the messages with these Postmark MessageIDs, in id order (the order every writer uses). */
async function lockMessages(tx: DbOrTx, postmarkMessageIds: string[]): Promise<Map<string, EventState>> {
  const ids = [...new Set(postmarkMessageIds)];
  if (ids.length === 0) return new Map();
  // Hand-written rather than built: this runs for every batch, and only these columns are needed.
  // Instants come as epoch milliseconds (the driver returns timestamptz as text in raw queries).
  const rows = await tx.execute<Record<string, unknown>>(sql`
    select id, campaign_id as "campaignId", contact_id as "contactId", to_email as "toEmail", subject, tag,
           postmark_message_id as "postmarkMessageId", status, open_count as "openCount", click_count as "clickCount",
           ${sql.raw(INSTANT_COLUMNS.map(([column, key]) => `(extract(epoch from ${column}) * 1000)::float8 as "${key}"`).join(", "))}
    from messages
    where postmark_message_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
    order by id
    for update`);
  const toState = (r: Record<string, unknown>): EventState => {
    const m = { ...r } as Record<string, unknown>;
    for (const [, key] of INSTANT_COLUMNS) m[key] = r[key] === null ? null : new Date(r[key] as number);
    return m as unknown as EventState;
  };
  return new Map(rows.rows.map((r) => [r.postmarkMessageId as string, toState(r)]));
}

const INSTANT_COLUMNS = [
  ["delivered_at", "deliveredAt"],
  ["first_opened_at", "firstOpenedAt"],
  ["last_opened_at", "lastOpenedAt"],
  ["first_clicked_at", "firstClickedAt"],
  ["last_clicked_at", "lastClickedAt"],
  ["bounced_at", "bouncedAt"],
  ["complained_at", "complainedAt"],
  ["unsubscribed_at", "unsubscribedAt"],
  ["last_event_at", "lastEventAt"],
] as const;

export interface IngestInput {
  event: PostmarkEvent;
  /** The body exactly as received (kept as the raw JSON; also where an int64 bounce ID is read). */
  rawText?: string;
  source?: EventSource;
}

/**
 * Stores Postmark events and applies them, in one transaction: each raw JSON (exactly the bytes
 * received, as jsonb) with its extracted fields, the messages' new state, the campaigns' totals and
 * the contacts' status. The event key's unique index makes a retried post a no-op (also within one
 * batch: the first occurrence is stored, the rest are duplicates). An event whose MessageID we do not
 * know yet is kept as an orphan and applied when the message gets that id.
 *
 * The cost is a fixed number of statements per call, not per event, so the webhook route batches
 * concurrent requests into one call (see batcher.ts). Results are in input order.
 */
export async function ingestPostmarkEvents(db: Db, inputs: IngestInput[]): Promise<IngestResult[]> {
  if (inputs.length === 0) return [];
  const items = inputs.map((i) => ({
    extracted: extractPostmarkEvent(i.event, i.rawText ?? null),
    raw: i.rawText ?? JSON.stringify(i.event),
    source: i.source ?? "webhook",
  }));
  return withDeadlockRetry(() =>
    db.transaction(async (tx) => {
      const locked = await lockMessages(tx, items.flatMap((i) => (i.extracted.postmarkMessageId ? [i.extracted.postmarkMessageId] : [])));
      const messageFor = (i: (typeof items)[number]) => (i.extracted.postmarkMessageId ? locked.get(i.extracted.postmarkMessageId) : undefined);
      // One JSON parameter for the whole batch (the raw body travels as text and becomes jsonb in
      // PostgreSQL, so an int64 bounce ID keeps every digit). Rows are inserted in batch order, so of
      // two equal keys the first is the one stored.
      const rows = items.map((i) => ({
        event_key: i.extracted.eventKey,
        message_id: messageFor(i)?.id ?? null,
        postmark_message_id: i.extracted.postmarkMessageId,
        record_type: i.extracted.recordType,
        recipient: i.extracted.recipient,
        occurred_at: i.extracted.occurredAt,
        source: i.source,
        raw: i.raw,
        details: i.extracted.details,
      }));
      const inserted = (
        await tx.execute<{ id: string; eventKey: string }>(sql`
          insert into message_events (event_key, message_id, postmark_message_id, record_type, recipient, occurred_at, source, raw, details)
          select v.event_key, v.message_id, v.postmark_message_id, v.record_type, v.recipient, v.occurred_at, v.source::event_source, v.raw::jsonb, v.details
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(
            event_key text, message_id uuid, postmark_message_id text, record_type text, recipient text,
            occurred_at timestamptz, source text, raw text, details jsonb)
          on conflict (event_key) do nothing
          returning id, event_key as "eventKey"`)
      ).rows;
      const newIds = new Map(inserted.map((r) => [r.eventKey, Number(r.id)]));
      const results: IngestResult[] = [];
      const storedEvents: ExtractedEvent[] = [];
      const applied: StoredEvent[] = [];
      for (const item of items) {
        const message = messageFor(item);
        const eventId = newIds.get(item.extracted.eventKey);
        // The first item with a new key is the one stored; a repeat in the same batch is a duplicate.
        newIds.delete(item.extracted.eventKey);
        if (eventId === undefined) {
          results.push({ outcome: "duplicate", eventId: null, messageId: message?.id ?? null });
          continue;
        }
        storedEvents.push(item.extracted);
        if (message) applied.push({ eventId, extracted: item.extracted, message });
        results.push({ outcome: message ? "stored" : "orphan", eventId, messageId: message?.id ?? null });
      }
      await applyContactEffects(tx, storedEvents);
      await applyStoredEvents(tx, applied);
      return results;
    }),
  );
}

/** One event: a batch of one. */
export async function ingestPostmarkEvent(db: Db, event: PostmarkEvent, options: { rawText?: string; source?: EventSource } = {}): Promise<IngestResult> {
  const [result] = await ingestPostmarkEvents(db, [{ event, ...options }]);
  return result;
}

/**
 * A deadlock (40P01) or serialization failure (40001) rolls the whole transaction back, so running it
 * again is safe. Ingestion locks in a fixed order, but dispatch and reconciliation lock messages too.
 */
async function withDeadlockRetry<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
      if (attempt >= attempts || (code !== "40P01" && code !== "40001")) throw error;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}

/**
 * Applies events that arrived before their message had a Postmark MessageID (a webhook can beat our
 * own write of the send result). Called in the transaction that stores the MessageIDs. Contact
 * effects were applied when the events were stored; here they meet their messages.
 */
export async function linkOrphanEvents(tx: DbOrTx, postmarkMessageIds: string[]): Promise<number> {
  if (postmarkMessageIds.length === 0) return 0;
  const orphans = await tx.execute<{ id: number; raw: PostmarkEvent }>(sql`
    select id, raw from message_events
    where message_id is null
      and postmark_message_id in (select jsonb_array_elements_text(${JSON.stringify(postmarkMessageIds)}::jsonb))
    order by occurred_at, id
    for update`);
  if (orphans.rows.length === 0) return 0;
  const events = orphans.rows.map((row) => ({ id: Number(row.id), extracted: extractPostmarkEvent(row.raw) }));
  const locked = await lockMessages(tx, events.map((e) => e.extracted.postmarkMessageId!));
  const stored: StoredEvent[] = events.flatMap((e) => {
    const message = locked.get(e.extracted.postmarkMessageId!);
    return message ? [{ eventId: e.id, extracted: e.extracted, message }] : [];
  });
  if (stored.length === 0) return 0;
  await tx.execute(sql`
    update message_events e set message_id = v.message_id
    from jsonb_to_recordset(${JSON.stringify(stored.map((s) => ({ id: s.eventId, message_id: s.message.id })))}::jsonb) as v(id bigint, message_id uuid)
    where e.id = v.id`);
  await applyStoredEvents(tx, stored);
  return stored.length;
}
