import { and, asc, desc, eq, getTableColumns, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { messageEventRaw, messageEvents, messages, type MessageStatus } from "@/db/schema";
import { uuidArray } from "@/lib/http/id";
import { addressContains } from "./address-search";
import { humanStatusSql } from "./human-status";

export type Message = typeof messages.$inferSelect;
/** An event with its raw JSON: null once RAW_EVENT_RETENTION_DAYS dropped its month (lib/ingest/partitions.ts). */
export type MessageEvent = typeof messageEvents.$inferSelect & { raw: unknown };

/** Events with their raw JSON (message_event_raw: same id and received_at, so one partition each). */
function selectEventsWithRaw(db: DbOrTx) {
  return db
    .select({ ...getTableColumns(messageEvents), raw: messageEventRaw.raw })
    .from(messageEvents)
    .leftJoin(messageEventRaw, and(eq(messageEventRaw.eventId, messageEvents.id), eq(messageEventRaw.receivedAt, messageEvents.receivedAt)));
}

/**
 * What a marketer filters recipients by. Most are a status; "opened", "clicked" and "delivered"
 * are reached levels (a clicked message was also opened). "opened", "clicked" and "unopened" are
 * about people (issue 15): opened or clicked by a person, and delivered with no person's open (so a
 * message only Apple's proxy or a scanner opened is unopened). `machine` ("count machine-only opens as
 * opened") gives "opened" and "unopened" back their any-open meaning; clicks stay a person's.
 */
export const RECIPIENT_FILTERS = ["all", "queued", "sent", "delivered", "unopened", "opened", "clicked", "bounced", "spam_complaint", "unsubscribed", "failed", "suppressed"] as const;
export type RecipientFilter = (typeof RECIPIENT_FILTERS)[number];

function filterSql(filter: RecipientFilter, machine: boolean): SQL | undefined {
  switch (filter) {
    case "all":
      return undefined;
    case "queued":
      return sql`${messages.status} in ('queued', 'sending')`;
    case "sent":
      return sql`${messages.sentAt} is not null`;
    case "delivered":
      return sql`(${messages.deliveredAt} is not null or ${messages.firstOpenedAt} is not null or ${messages.firstClickedAt} is not null)`;
    case "unopened":
      // Status only moves forward: delivered, opened or clicked is "delivered and not bounced since".
      return machine ? eq(messages.status, "delivered") : sql`${messages.status} in ('delivered', 'opened', 'clicked') and ${messages.firstHumanOpenedAt} is null`;
    case "opened":
      return machine ? sql`${messages.firstOpenedAt} is not null` : sql`${messages.firstHumanOpenedAt} is not null`;
    case "clicked":
      return sql`${messages.firstHumanClickedAt} is not null`;
    default:
      return eq(messages.status, filter as MessageStatus);
  }
}

export type RecipientSort = "email" | "-email" | "-activity";

interface Cursor {
  v: string | null;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.v, c.id])).toString("base64url");
}

export function decodeCursor(text: string | undefined | null): Cursor | null {
  if (!text) return null;
  try {
    const [v, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as [string | null, string];
    if (typeof id !== "string" || !/^[0-9a-f-]{36}$/.test(id) || (v !== null && typeof v !== "string")) return null;
    return { v, id };
  } catch {
    return null;
  }
}

export interface RecipientPageInput {
  filter?: RecipientFilter;
  /** Count machine-only opens as opened (the "opened" and "unopened" filters). */
  machine?: boolean;
  search?: string;
  sort?: RecipientSort;
  after?: string | null;
  limit?: number;
}

/**
 * One page of a campaign's recipients, by keyset (never OFFSET), so page 4,000 of a 200,000-recipient
 * campaign costs what page 1 costs. Sorting by activity puts recipients with no event yet last.
 */
export async function listCampaignRecipients(
  db: DbOrTx,
  { campaignId, ...input }: RecipientPageInput & { campaignId: string },
): Promise<{ rows: Message[]; next: string | null }> {
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 500);
  const sort = input.sort ?? "email";
  const cursor = decodeCursor(input.after);
  const base: SQL[] = [eq(messages.campaignId, campaignId)];
  const f = filterSql(input.filter ?? "all", input.machine ?? false);
  if (f) base.push(f);
  const term = input.search?.trim().toLowerCase();
  if (term) base.push(addressContains(term));

  if (sort === "email" || sort === "-email") {
    const after = cursor ? (sort === "email" ? sql`(${messages.toEmail}, ${messages.id}) > (${cursor.v}, ${cursor.id}::uuid)` : sql`(${messages.toEmail}, ${messages.id}) < (${cursor.v}, ${cursor.id}::uuid)`) : undefined;
    const order = sort === "email" ? [asc(messages.toEmail), asc(messages.id)] : [desc(messages.toEmail), desc(messages.id)];
    const rows = term && !f ? await searchByAddress(db, and(...base, after)!, order, limit + 1) : await db.select().from(messages).where(and(...base, after)).orderBy(...order).limit(limit + 1);
    const page = rows.slice(0, limit);
    return { rows: page, next: rows.length > limit ? encodeCursor({ v: page[page.length - 1].toEmail, id: page[page.length - 1].id }) : null };
  }

  // Latest activity first: rows with events (index scan backwards), then rows without any, by id.
  const rows: Message[] = [];
  if (!cursor || cursor.v !== null) {
    const after = cursor ? sql`(${messages.lastEventAt}, ${messages.id}) < (${cursor.v}::timestamptz, ${cursor.id}::uuid)` : undefined;
    rows.push(
      ...(await db
        .select()
        .from(messages)
        .where(and(...base, sql`${messages.lastEventAt} is not null`, after))
        .orderBy(desc(messages.lastEventAt), desc(messages.id))
        .limit(limit + 1)),
    );
  }
  if (rows.length <= limit) {
    const after = cursor && cursor.v === null ? sql`${messages.id} < ${cursor.id}::uuid` : undefined;
    rows.push(
      ...(await db
        .select()
        .from(messages)
        .where(and(...base, sql`${messages.lastEventAt} is null`, after))
        .orderBy(desc(messages.id))
        .limit(limit + 1 - rows.length)),
    );
  }
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > limit && last ? encodeCursor({ v: last.lastEventAt?.toISOString() ?? null, id: last.id }) : null };
}

/**
 * A search in address order, in two steps: the page's ids from messages_campaign_address_idx alone
 * (campaign_id, to_email, id, lower(to_email)), each address tested on the lower-case copy the index
 * holds (an index-only scan: a term whose matches sort late, or match nothing, walks index entries
 * instead of fetching every row it passes from the table and lowering its address), then the page's
 * rows by id. Only for conditions on those columns (a status filter reads the table anyway).
 */
async function searchByAddress(db: DbOrTx, where: SQL, order: SQL[], n: number): Promise<Message[]> {
  const keys = await db.select({ id: messages.id }).from(messages).where(where).orderBy(...order).limit(n);
  if (keys.length === 0) return [];
  const ids = keys.map((k) => k.id);
  const rows = await db.select().from(messages).where(sql`${messages.id} = any(${uuidArray(ids)})`);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export async function getMessage(db: DbOrTx, id: string): Promise<Message | null> {
  const [row] = await db.select().from(messages).where(eq(messages.id, id)).limit(1);
  return row ?? null;
}

/** A message's events in the order they happened (webhook and reconciliation alike). */
export async function listMessageEvents(db: DbOrTx, messageId: string): Promise<MessageEvent[]> {
  return selectEventsWithRaw(db).where(eq(messageEvents.messageId, messageId)).orderBy(asc(messageEvents.occurredAt), asc(messageEvents.id));
}

export interface MessageSearch {
  search?: string;
  /** The raw status (any open or click counts). */
  status?: MessageStatus;
  /** The status a marketer sees (lib/messages/human-status.ts): opened and clicked by a person. */
  humanStatus?: MessageStatus;
  kind?: "single" | "campaign" | "sequence";
  campaignId?: string;
  postmarkMessageId?: string;
  contactId?: string;
  after?: string | null;
  limit?: number;
}

/** Newest first, keyset on (created_at, id). A search that looks like a MessageID matches it exactly. */
export async function searchMessages(db: DbOrTx, input: MessageSearch = {}): Promise<{ rows: Message[]; next: string | null }> {
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 500);
  const where: SQL[] = [];
  const q = input.search?.trim();
  if (q) {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(q)) where.push(sql`(${messages.postmarkMessageId} = ${q} or ${messages.id} = ${q}::uuid)`);
    else where.push(addressContains(q.toLowerCase()));
  }
  if (input.status) where.push(eq(messages.status, input.status));
  if (input.humanStatus) where.push(sql`${humanStatusSql()} = ${input.humanStatus}::message_status`);
  if (input.kind) where.push(eq(messages.kind, input.kind));
  if (input.campaignId) where.push(eq(messages.campaignId, input.campaignId));
  if (input.contactId) where.push(eq(messages.contactId, input.contactId));
  if (input.postmarkMessageId) where.push(eq(messages.postmarkMessageId, input.postmarkMessageId));
  const cursor = decodeCursor(input.after);
  if (cursor?.v) where.push(sql`(${messages.createdAt}, ${messages.id}) < (${cursor.v}::timestamptz, ${cursor.id}::uuid)`);
  // The cursor keeps created_at to the microsecond (a JS Date keeps milliseconds): a campaign's messages
  // are inserted by one statement and share created_at exactly, so a rounded cursor would skip them.
  const rows = await db
    .select({ m: messages, at: sql<string>`to_char(${messages.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` })
    .from(messages)
    .where(and(...where))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page.map((r) => r.m), next: rows.length > limit ? encodeCursor({ v: last.at, id: last.m.id }) : null };
}

/**
 * The event log in the order Postline received it: the pull alternative to webhooks. The cursor is
 * the last event's id; `since` starts the log at a time.
 */
export async function listEventsSince(db: DbOrTx, input: { since?: Date; afterId?: number; limit?: number; horizon?: Date | null }): Promise<{ rows: MessageEvent[]; nextAfterId: number | null }> {
  const limit = Math.min(Math.max(input.limit ?? 100, 1), 1000);
  // Ids are handed out when a transaction inserts, not when it commits: an event with a lower id can
  // become visible after a higher one. Holding back the last two seconds lets those commits land, so a
  // client paging by id does not skip them. On a replica (db/reads.ts) the two seconds count back from
  // its `horizon`, the moment before which every commit has been replayed there, not from now().
  const until = input.horizon ? sql`least(now(), ${input.horizon.toISOString()}::timestamptz)` : sql`now()`;
  const where: SQL[] = [sql`${messageEvents.receivedAt} < ${until} - interval '2 seconds'`];
  if (input.afterId) where.push(sql`${messageEvents.id} > ${input.afterId}`);
  else if (input.since) where.push(sql`${messageEvents.receivedAt} >= ${input.since.toISOString()}::timestamptz`);
  const rows = await selectEventsWithRaw(db).where(and(...where)).orderBy(asc(messageEvents.id)).limit(limit);
  return { rows, nextAfterId: rows.length === limit ? rows[rows.length - 1].id : null };
}
