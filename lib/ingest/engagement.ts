import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { classifyEngagement, engagementEventFromPostmark, type EngagementVerdict, type PostmarkEngagementFields } from "@/lib/engagement/classify";
import { isHoneypotLink } from "@/lib/engagement/honeypot";
import { ENGAGEMENT_RULES, type EngagementClass } from "@/lib/engagement/rules";
import { emptyEngagement, recordEngagement, type MessageEngagement } from "@/lib/engagement/state";
import type { ExtractedEvent } from "./extract";
import type { PostmarkEvent } from "./postmark-payload";

/**
 * Classification at ingestion (issue 15). Each Open and Click is classified by lib/engagement's pure
 * function against its message's engagement so far, in timestamp order per message, and the message's
 * new state is written with the event. The state is read before the write without a lock; the write
 * (postline_ingest_events) checks under its row lock that nobody changed it meanwhile and otherwise
 * fails with a serialization error, and the whole batch is classified again (ingest.ts retries). So
 * ingestion stays one write statement per batch and classification sees every earlier event.
 */

/** A message's engagement as stored: its id, campaign, and the classifier's state. */
export interface MessageEngagementRow {
  messageId: string;
  campaignId: string | null;
  state: MessageEngagement;
  /** messages.updated_at as read, exactly (text, microseconds): the write's check that nobody changed the row since. */
  version: string;
}

type Row = {
  pm: string;
  version: string;
  id: string;
  campaign_id: string | null;
  sent_at: string | null;
  delivered_at: string | null;
  first_opened_at: string | null;
  first_human_opened_at: string | null;
  first_clicked_at: string | null;
  first_human_clicked_at: string | null;
  open_classes: string[];
  click_classes: string[];
  engagement: unknown;
};

const date = (v: unknown): Date | null => (typeof v === "string" || v instanceof Date ? new Date(v) : null);

/** The state as JSON (messages.engagement); sentAt and deliveredAt live in their own columns. */
export function engagementToJson(s: MessageEngagement) {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    firstOpenAt: iso(s.firstOpenAt),
    firstHumanOpenAt: iso(s.firstHumanOpenAt),
    humanOpenFromClick: s.humanOpenFromClick,
    firstClickAt: iso(s.firstClickAt),
    firstHumanClickAt: iso(s.firstHumanClickAt),
    machineOpenClasses: s.machineOpenClasses,
    machineClickClasses: s.machineClickClasses,
    recentClicks: s.recentClicks.map((c) => ({ at: c.at.toISOString(), link: c.link })),
    honeypotAt: iso(s.honeypotAt),
  };
}

function engagementFromRow(row: Row): MessageEngagement {
  const base = emptyEngagement({ sentAt: date(row.sent_at), deliveredAt: date(row.delivered_at) });
  const j = row.engagement as ReturnType<typeof engagementToJson> | null;
  if (j) {
    return {
      ...base,
      firstOpenAt: date(j.firstOpenAt),
      firstHumanOpenAt: date(j.firstHumanOpenAt),
      humanOpenFromClick: Boolean(j.humanOpenFromClick),
      firstClickAt: date(j.firstClickAt),
      firstHumanClickAt: date(j.firstHumanClickAt),
      machineOpenClasses: j.machineOpenClasses ?? [],
      machineClickClasses: j.machineClickClasses ?? [],
      recentClicks: (j.recentClicks ?? []).map((c) => ({ at: new Date(c.at), link: c.link })),
      honeypotAt: date(j.honeypotAt),
    };
  }
  // Never classified (opens stored before classification existed count as people, see migration 0014).
  const human = new Set<string>(ENGAGEMENT_RULES.humanOpenClasses);
  return {
    ...base,
    firstOpenAt: date(row.first_opened_at),
    firstHumanOpenAt: date(row.first_human_opened_at),
    firstClickAt: date(row.first_clicked_at),
    firstHumanClickAt: date(row.first_human_clicked_at),
    machineOpenClasses: row.open_classes.filter((c) => !human.has(c)) as EngagementClass[],
    machineClickClasses: row.click_classes.filter((c) => c !== "human") as EngagementClass[],
  };
}

const READ_ENGAGEMENT = `
  select postmark_message_id as pm, updated_at::text as version, id, campaign_id, sent_at, delivered_at, first_opened_at, first_human_opened_at,
         first_clicked_at, first_human_clicked_at, open_classes, click_classes, engagement
  from messages
  where postmark_message_id = any (array(select jsonb_array_elements_text(`;

function toEngagementRow(row: Row): MessageEngagementRow {
  return { messageId: row.id, campaignId: row.campaign_id, state: engagementFromRow(row), version: row.version };
}

/**
 * The engagement of the messages with these Postmark MessageIDs, by MessageID. Without a lock it runs
 * as a named prepared statement on the pool (one per batch of webhooks: parsed and planned once per
 * connection); with `lock`, in the caller's transaction, holding the rows.
 */
export async function readEngagement(db: DbOrTx, postmarkMessageIds: string[], options: { lock?: boolean } = {}): Promise<Map<string, MessageEngagementRow>> {
  const out = new Map<string, MessageEngagementRow>();
  if (postmarkMessageIds.length === 0) return out;
  const ids = JSON.stringify(postmarkMessageIds);
  const rows =
    !options.lock && "$client" in db
      ? (await db.$client.query<Row>({ name: "postline_read_engagement", text: `${READ_ENGAGEMENT}$1::jsonb)))`, values: [ids] })).rows
      : (await db.execute<Row>(sql`${sql.raw(READ_ENGAGEMENT)}${ids}::jsonb))) order by id for update`)).rows;
  for (const row of rows) out.set(row.pm, toEngagementRow(row));
  return out;
}

export interface ClassifiedEvent extends EngagementVerdict {
  /** Counts as a person: a human open or click, or an open through a webmail image proxy (rules' humanOpenClasses). */
  human: boolean;
}

export interface EngagementInput {
  ord: number;
  extracted: ExtractedEvent;
  event: PostmarkEvent;
}

/**
 * Classifies the batch's opens and clicks, message by message in timestamp order (a Delivery in the
 * batch sets the timing reference for what follows it). Returns each open's and click's verdict by
 * `ord`, and each touched message's state before (as stored) and after.
 */
/** What the write checks and stores per message: `version` as read (null: no such message then), and the new state. */
export interface MessageStateWrite {
  pm: string;
  message_id: string | null;
  version: string | null;
  after: ReturnType<typeof engagementToJson> | null;
}

export function classifyBatch(
  inputs: EngagementInput[],
  messages: Map<string, MessageEngagementRow>,
): { verdicts: Map<number, ClassifiedEvent>; states: MessageStateWrite[] } {
  const verdicts = new Map<number, ClassifiedEvent>();
  const byMessage = new Map<string, EngagementInput[]>();
  const states: MessageStateWrite[] = [];
  for (const input of inputs) {
    const kind = input.extracted.effect.kind;
    const pm = input.extracted.postmarkMessageId;
    if (kind !== "opened" && kind !== "clicked" && kind !== "delivered") continue;
    if (kind === "delivered" && (!pm || !messages.has(pm))) continue;
    // An open or click whose message was not found is classified without history; the write makes
    // sure the message still does not exist (else the batch is classified again).
    if (pm && !messages.has(pm) && !states.some((s) => s.pm === pm)) states.push({ pm, message_id: null, version: null, after: null });
    const key = pm && messages.has(pm) ? pm : `orphan:${input.ord}`;
    const list = byMessage.get(key) ?? [];
    list.push(input);
    byMessage.set(key, list);
  }
  for (const [key, list] of byMessage) {
    const row = messages.get(key) ?? null;
    let state = row?.state ?? emptyEngagement();
    let changed = false;
    list.sort((a, b) => a.extracted.occurredAt.getTime() - b.extracted.occurredAt.getTime() || a.ord - b.ord);
    for (const input of list) {
      const e = input.extracted;
      if (e.effect.kind === "delivered") {
        if (!state.deliveredAt || e.occurredAt < state.deliveredAt) state = { ...state, deliveredAt: e.occurredAt };
        continue;
      }
      const event = engagementEventFromPostmark(input.event as unknown as PostmarkEngagementFields);
      event.honeypot = event.recordType === "Click" && isHoneypotLink(event.link, row?.campaignId ?? null);
      const verdict = classifyEngagement(event, state);
      const human = event.recordType === "Open" ? ENGAGEMENT_RULES.humanOpenClasses.includes(verdict.class) : verdict.class === "human";
      verdicts.set(input.ord, { ...verdict, human });
      state = recordEngagement(state, event, verdict);
      changed = true;
    }
    if (row && changed) states.push({ pm: key, message_id: row.messageId, version: row.version, after: engagementToJson(state) });
  }
  return { verdicts, states };
}
