import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db";
import { isRetryableConflict } from "@/lib/errors";
import type { ContactStatus, MessageStatus } from "@/db/schema";
import { classifyBatch, readEngagement, type ClassifiedEvent } from "./engagement";
import { extractPostmarkEvent, type ExtractedEvent } from "./extract";
import type { PostmarkEvent } from "./postmark-payload";

/**
 * Ingestion of Postmark events. Extraction happens here (event key, what the event means for the
 * message and the contact); the writes happen in PostgreSQL, in postline_ingest_events and
 * postline_apply_events (db/functions/), so a batch of any size is one statement: one round trip,
 * one transaction, plans cached per connection. That is what lets the webhook route batch concurrent
 * requests (batcher.ts) without each round trip queueing behind the server's other work. The outbound
 * webhook each event announces (named by the status it implies) and its payload are built there too,
 * by the functions every other producer of those payloads uses. Opens and clicks are classified
 * (human or which machine) before the write, against their messages' engagement (engagement.ts).
 */

export type EventSource = "webhook" | "reconciliation";

export interface IngestResult {
  outcome: "stored" | "duplicate" | "orphan";
  eventId: number | null;
  messageId: string | null;
}

/**
 * The status an event moves its message towards (the database keeps the furthest, see
 * postline_apply_events), which also names the outbound webhook it announces (Email.Delivered …
 * Contact.Unsubscribed; none when null).
 */
export function impliedStatus(e: ExtractedEvent): MessageStatus | null {
  switch (e.effect.kind) {
    case "delivered":
    case "opened":
    case "clicked":
    case "bounced":
    case "spam_complaint":
      return e.effect.kind;
    case "subscription":
      // The recipient used Postmark's own unsubscribe: the message ends as unsubscribed. Suppressions
      // caused by a bounce or complaint arrive with their own Bounce/SpamComplaint event.
      return e.effect.suppress && (e.effect.reason === "ManualSuppression" || e.effect.reason === null) ? "unsubscribed" : null;
    case "delayed":
      return null;
  }
}

/** What the event means for the contact behind the address, if anything. */
export function contactEffect(e: ExtractedEvent): { status: ContactStatus; reason: string } | null {
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

/** The fields postline_apply_events reads for one event (details feed the outbound payload). */
function effectFields(e: ExtractedEvent, verdict: ClassifiedEvent | undefined) {
  return {
    engagement_class: verdict?.class ?? null,
    engagement_reasons: verdict?.reasons ?? null,
    engagement_rules_version: verdict?.rulesVersion ?? null,
    human: verdict?.human ?? false,
    kind: e.effect.kind,
    implied: impliedStatus(e),
    occurred_at: e.occurredAt.toISOString(),
    link: typeof e.details.link === "string" ? e.details.link : null,
    details: e.details,
    recipient: e.recipient,
    contact_reason: contactEffect(e)?.reason ?? null,
  };
}

export interface IngestInput {
  event: PostmarkEvent;
  /** The body exactly as received (kept as the raw JSON; also where an int64 bounce ID is read). */
  rawText?: string;
  source?: EventSource;
}

/**
 * Stores Postmark events and applies them, in one transaction: each raw JSON (exactly the bytes
 * received, as jsonb; the text becomes jsonb in PostgreSQL, so an int64 bounce ID keeps every digit)
 * with its extracted fields, the messages' new state, the campaigns' totals, the contacts' status and
 * the outbox. The event key's unique index makes a retried post a no-op (also within one batch: the
 * first occurrence is stored, later ones are duplicates). An event whose MessageID we do not know yet
 * is kept as an orphan and applied when the message gets that id. Results are in input order.
 */
export async function ingestPostmarkEvents(db: Db, inputs: IngestInput[]): Promise<IngestResult[]> {
  if (inputs.length === 0) return [];
  const extracted = inputs.map((input) => extractPostmarkEvent(input.event, input.rawText ?? null));
  const engaged = [...new Set(extracted.filter((e) => (e.effect.kind === "opened" || e.effect.kind === "clicked") && e.postmarkMessageId).map((e) => e.postmarkMessageId!))];
  // Opens and clicks are classified against their messages' engagement. First without a lock (the
  // write refuses with 40001 when another batch changed a state in between, engagement.ts); a retry
  // holds the messages locked from the read to the write, so a message many posts hit at once (a
  // scanner clicking every link) still makes progress.
  const attempt = async (conn: DbOrTx, locked: boolean) => {
    if (locked) await lockPostmarkIdsForRead(conn, engaged);
    const { verdicts, states } = classifyBatch(
      extracted.map((e, ord) => ({ ord, extracted: e, event: inputs[ord].event })),
      engaged.length ? await readEngagement(conn, engaged, { lock: locked }) : new Map(),
    );
    const items = inputs.map((input, ord) => {
      const e = extracted[ord];
      return {
        ord,
        event_key: e.eventKey,
        pm: e.postmarkMessageId,
        record_type: e.recordType,
        source: input.source ?? "webhook",
        raw: input.rawText ?? JSON.stringify(input.event),
        contact_status: contactEffect(e)?.status ?? null,
        ...effectFields(e, verdicts.get(ord)),
      };
    });
    type Written = { r: { stored: { ord: number; event_id: number }[]; messages: Record<string, string> } };
    const values = [JSON.stringify(items), states.length ? JSON.stringify(states) : null];
    // On the pool, a named prepared statement (parsed once per connection): one per batch of webhooks.
    const stored =
      !locked && "$client" in conn
        ? await conn.$client.query<Written>({ name: "postline_ingest_events", text: "select postline_ingest_events($1::jsonb, $2::jsonb) as r", values })
        : await conn.execute<Written>(sql`select postline_ingest_events(${values[0]}::jsonb, ${values[1]}::jsonb) as r`);
    return { items, stored };
  };
  const { items, stored: result } = await withDeadlockRetry((n) =>
    n === 1 || engaged.length === 0 ? attempt(db, false) : db.transaction((tx) => attempt(tx, true)),
  );
  const { stored, messages } = result.rows[0].r;
  const eventIds = new Map(stored.map((s) => [s.ord, Number(s.event_id)]));
  return items.map((item) => {
    const messageId = (item.pm && messages[item.pm]) || null;
    const eventId = eventIds.get(item.ord);
    if (eventId === undefined) return { outcome: "duplicate", eventId: null, messageId };
    return { outcome: messageId ? "stored" : "orphan", eventId, messageId };
  });
}

/** One event: a batch of one. */
export async function ingestPostmarkEvent(db: Db, event: PostmarkEvent, options: { rawText?: string; source?: EventSource } = {}): Promise<IngestResult> {
  const [result] = await ingestPostmarkEvents(db, [{ event, ...options }]);
  return result;
}

/**
 * A deadlock (40P01) or serialization failure (40001) rolls the whole statement back, so running it
 * again is safe. Ingestion locks in a fixed order, but dispatch and reconciliation lock messages too;
 * 40001 is also how the write says a message's engagement changed since it was read.
 */
async function withDeadlockRetry<T>(work: (attempt: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= attempts || !isRetryableConflict(error)) throw error;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}

/** The shared lock ingestion takes on MessageIDs (postline_lock_postmark_ids), before any message row. */
async function lockPostmarkIdsForRead(tx: DbOrTx, postmarkMessageIds: string[]): Promise<void> {
  await tx.execute(sql`select postline_lock_postmark_ids(array(select jsonb_array_elements_text(${JSON.stringify(postmarkMessageIds)}::jsonb)), false)`);
}

/**
 * For a transaction about to write Postmark MessageIDs onto messages: until it commits, ingestion of
 * events for those ids waits (postline_lock_postmark_ids), so no event can be stored as an orphan
 * after linkOrphanEvents has looked for orphans and before the ids are visible.
 */
export async function lockPostmarkIdsForWrite(tx: DbOrTx, postmarkMessageIds: string[]): Promise<void> {
  if (postmarkMessageIds.length === 0) return;
  await tx.execute(sql`select postline_lock_postmark_ids(array(select jsonb_array_elements_text(${JSON.stringify(postmarkMessageIds)}::jsonb)), true)`);
}

/**
 * Applies events that arrived before their message had a Postmark MessageID (a webhook can beat our
 * own write of the send result). Called in the transaction that stores the MessageIDs. Contact
 * effects were applied when the events were stored; here they meet their messages.
 */
export async function linkOrphanEvents(tx: DbOrTx, postmarkMessageIds: string[]): Promise<number> {
  if (postmarkMessageIds.length === 0) return 0;
  // An orphan whose raw JSON the retention dropped (months old) is linked but cannot be re-extracted.
  const orphans = await tx.execute<{ id: string; raw: PostmarkEvent | null; message_id: string }>(sql`
    with orphans as (
      select e.id, e.received_at, r.raw, m.id as message_id
      from message_events e
      join messages m on m.postmark_message_id = e.postmark_message_id
      left join message_event_raw r on r.event_id = e.id and r.received_at = e.received_at
      where e.message_id is null
        and e.postmark_message_id = any (array(select jsonb_array_elements_text(${JSON.stringify(postmarkMessageIds)}::jsonb)))
        and m.postmark_message_id = any (array(select jsonb_array_elements_text(${JSON.stringify(postmarkMessageIds)}::jsonb)))
      for update of e
    )
    update message_events e set message_id = o.message_id
    from orphans o where e.id = o.id and e.received_at = o.received_at
    returning e.id, o.raw, o.message_id`);
  if (orphans.rows.length === 0) return 0;
  // In the order they happened (the first of two terminal outcomes wins; the first click on a link is
  // the unique one). Opens and clicks are classified now, against their messages, which this
  // transaction holds locked (the caller is writing their MessageIDs).
  const events = orphans.rows
    .filter((row): row is typeof row & { raw: PostmarkEvent } => row.raw !== null)
    .map((row) => ({ row, e: extractPostmarkEvent(row.raw) }))
    .sort((a, b) => a.e.occurredAt.getTime() - b.e.occurredAt.getTime() || Number(a.row.id) - Number(b.row.id));
  const engaged = [...new Set(events.filter(({ e }) => e.effect.kind === "opened" || e.effect.kind === "clicked").map(({ e }) => e.postmarkMessageId!))];
  const { verdicts, states } = engaged.length
    ? classifyBatch(
        events.map(({ row, e }, ord) => ({ ord, extracted: e, event: row.raw })),
        await readEngagement(tx, engaged, { lock: true }),
      )
    : { verdicts: new Map<number, ClassifiedEvent>(), states: [] };
  const items = events.map(({ row, e }, ord) => ({ ord, event_id: Number(row.id), message_id: row.message_id, ...effectFields(e, verdicts.get(ord)) }));
  const classified = items.filter((i) => i.engagement_class !== null);
  if (classified.length) {
    await tx.execute(sql`
      update message_events e set engagement_class = c.engagement_class::engagement_class, engagement_reasons = c.engagement_reasons,
                                  engagement_rules_version = c.engagement_rules_version
      from jsonb_to_recordset(${JSON.stringify(classified)}::jsonb) as c(event_id bigint, engagement_class text, engagement_reasons text[], engagement_rules_version text)
      where e.id = c.event_id`);
  }
  await tx.execute(sql`select postline_apply_events(${JSON.stringify(items)}::jsonb, ${states.length ? JSON.stringify(states) : null}::jsonb)`);
  return items.length;
}
