import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db";
import type { CampaignStatus } from "@/db/schema";
import { counterSumsSql, toCampaignTotals, type CampaignTotals, type CounterSums } from "./stats";

/**
 * Campaign rates, from the outcome counters (campaign_event_counters: at most 16 rows per campaign),
 * never from message_events. Every rate is null when its denominator is zero (a draft, or nothing
 * delivered yet), so "no data" never reads as 0%.
 *
 *   delivered  = delivered / sent              bounce    = bounced / sent
 *   open       = human opens / delivered       click     = human clicks / delivered
 *   (recipients a person opened or clicked for; machine-only opens and scanner clicks do not count)
 *   complaint  = spam complaints / delivered   (how Gmail and Yahoo count their spam rate)
 */

/** Gmail's and Yahoo's bulk-sender spam rate: stay below 0.1%, never reach 0.3%. */
export const SPAM_RATE_TARGET = 0.001;
export const SPAM_RATE_LIMIT = 0.003;

export type RateTone = "good" | "warning" | "bad";

/** Where a spam complaint rate stands against the published thresholds. */
export function complaintTone(rate: number): RateTone {
  return rate < SPAM_RATE_TARGET ? "good" : rate < SPAM_RATE_LIMIT ? "warning" : "bad";
}

/**
 * The recipients who opened and clicked as people, per counter row `k` (issue 15: an image proxy's open
 * is a person's; Apple's proxy prefetching and link scanners are not). The one place the rates below,
 * their sorting and the campaign page's headline numbers take "opened" and "clicked" from.
 */
function humanEngagementSql(k: string): { opened: SQL; clicked: SQL } {
  return { opened: sql.raw(`${k}.opened_human`), clicked: sql.raw(`${k}.clicked_human`) };
}

export interface CampaignRates {
  delivered: number | null;
  open: number | null;
  click: number | null;
  bounce: number | null;
  complaint: number | null;
}

export interface CampaignWithRates {
  id: string;
  name: string;
  status: CampaignStatus;
  recipientCount: number;
  sentCount: number;
  scheduledAt: Date | null;
  scheduleTimeZone: string | null;
  startedAt: Date | null;
  createdAt: Date;
  delivered: number;
  /** Recipients a person opened for (the open rate's numerator); totals.opened counts any open. */
  opened: number;
  /** Recipients a person clicked for (the click rate's numerator); totals.clicked counts any click. */
  clicked: number;
  bounced: number;
  spamComplaints: number;
  rates: CampaignRates;
  /** Every counter's total: any and human opens and clicks, machine-only opens, per fetcher class. */
  totals: CampaignTotals;
}

type Row = CounterSums & {
  id: string;
  name: string;
  status: CampaignStatus;
  recipient_count: number;
  sent_count: number;
  scheduled_at: string | null;
  schedule_time_zone: string | null;
  started_at: string | null;
  created_at: string;
  delivered_rate: number | null;
  open_rate: number | null;
  click_rate: number | null;
  bounce_rate: number | null;
  complaint_rate: number | null;
  sort_key?: string | null;
};

/**
 * Every campaign with its totals and rates; a CTE the queries below select from (filtered outside it:
 * PostgreSQL inlines it, so a filter on the id reaches campaigns' primary key). The one place rates are
 * computed, for the lists, the home page and the campaign page alike.
 */
function campaignRatesCte(): SQL {
  const human = humanEngagementSql("o");
  return sql`
    select c.id, c.name, c.status, c.recipient_count, c.sent_count, c.scheduled_at, c.schedule_time_zone, c.started_at, c.created_at, o.*,
           o.delivered::float8 / nullif(c.sent_count, 0) as delivered_rate,
           ${human.opened}::float8 / nullif(o.delivered, 0) as open_rate,
           ${human.clicked}::float8 / nullif(o.delivered, 0) as click_rate,
           o.bounced::float8 / nullif(c.sent_count, 0) as bounce_rate,
           o.spam_complaints::float8 / nullif(o.delivered, 0) as complaint_rate
    from campaigns c
    cross join lateral (${counterSumsSql(sql`c.id`)}) o`;
}

const date = (v: string | null) => (v === null ? null : new Date(v));

function toCampaign(r: Row): CampaignWithRates {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    recipientCount: r.recipient_count,
    sentCount: r.sent_count,
    scheduledAt: date(r.scheduled_at),
    scheduleTimeZone: r.schedule_time_zone,
    startedAt: date(r.started_at),
    createdAt: new Date(r.created_at),
    delivered: r.delivered,
    opened: r.opened_human,
    clicked: r.clicked_human,
    bounced: r.bounced,
    spamComplaints: r.spam_complaints,
    totals: toCampaignTotals(r),
    rates: { delivered: r.delivered_rate, open: r.open_rate, click: r.click_rate, bounce: r.bounce_rate, complaint: r.complaint_rate },
  };
}

/** The orders the campaigns list offers; "-" is descending. */
export const CAMPAIGN_SORTS = ["-created", "created", "name", "-name", "-delivered", "delivered", "-open", "open", "-click", "click", "-bounce", "bounce", "-complaint", "complaint"] as const;
export type CampaignSort = (typeof CAMPAIGN_SORTS)[number];
export const campaignSortSchema = z.enum(CAMPAIGN_SORTS).default("-created").catch("-created");

const RATE_COLUMNS = { delivered: "delivered_rate", open: "open_rate", click: "click_rate", bounce: "bounce_rate", complaint: "complaint_rate" } as const;

/**
 * The key a sort orders by, with its type for the cursor. A rate's null (nothing to divide by) sorts
 * last in both directions: it becomes a value beyond every rate (-1 descending, 2 ascending; rates lie
 * within 0..1), which keeps the keyset comparison a plain row comparison.
 */
function sortKey(sort: CampaignSort): { key: SQL; type: "timestamptz" | "text" | "float8"; desc: boolean } {
  const desc = sort.startsWith("-");
  const column = sort.replace(/^-/, "") as "created" | "name" | keyof typeof RATE_COLUMNS;
  if (column === "created") return { key: sql.raw("r.created_at"), type: "timestamptz", desc };
  if (column === "name") return { key: sql.raw("lower(r.name)"), type: "text", desc };
  return { key: sql.raw(`coalesce(r.${RATE_COLUMNS[column]}, ${desc ? -1 : 2})`), type: "float8", desc };
}

interface Cursor {
  v: string;
  id: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.v, c.id])).toString("base64url");
}

function decodeCursor(text: string | null | undefined): Cursor | null {
  if (!text) return null;
  try {
    const [v, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown[];
    return typeof v === "string" && v.length <= 400 && typeof id === "string" && /^[0-9a-f-]{36}$/.test(id) ? { v, id } : null;
  } catch {
    return null;
  }
}

/**
 * One page of campaigns with their rates, in any order of CAMPAIGN_SORTS over the whole set (keyset
 * paged: `after` is the previous page's `next`). A cursor that does not decode starts from the top.
 */
export async function listCampaignsWithRates(
  db: DbOrTx,
  input: { sort?: CampaignSort; after?: string | null; limit?: number } = {},
): Promise<{ rows: CampaignWithRates[]; next: string | null }> {
  const sort = campaignSortSchema.parse(input.sort);
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const { key, type, desc } = sortKey(sort);
  const cursor = decodeCursor(input.after);
  const cast = sql.raw(type);
  const after = cursor
    ? desc
      ? sql`where (${key}, r.id) < (${cursor.v}::${cast}, ${cursor.id}::uuid)`
      : sql`where (${key}, r.id) > (${cursor.v}::${cast}, ${cursor.id}::uuid)`
    : sql``;
  const direction = sql.raw(desc ? "desc" : "asc");
  const { rows } = await db.execute<Row>(sql`
    with r as (${campaignRatesCte()})
    select r.*, r.created_at::text as created_at, (${key})::text as sort_key
    from r ${after}
    order by ${key} ${direction}, r.id ${direction}
    limit ${limit + 1}`);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page.map(toCampaign), next: rows.length > limit && last ? encodeCursor({ v: last.sort_key!, id: last.id }) : null };
}

/** One campaign with its totals and rates (the campaign page), or null. */
export async function getCampaignWithRates(db: DbOrTx, campaignId: string): Promise<CampaignWithRates | null> {
  const { rows } = await db.execute<Row>(sql`
    with r as (${campaignRatesCte()})
    select * from r where r.id = ${campaignId}::uuid`);
  return rows[0] ? toCampaign(rows[0]) : null;
}

/** The campaigns that started sending most recently (the home page), newest first. */
export async function listRecentCampaignRates(db: DbOrTx, { limit = 8 }: { limit?: number } = {}): Promise<CampaignWithRates[]> {
  const { rows } = await db.execute<Row>(sql`
    with r as (${campaignRatesCte()})
    select * from r where r.started_at is not null
    order by r.started_at desc, r.id desc
    limit ${limit}`);
  return rows.map(toCampaign);
}

export interface SendingHealth {
  since: Date;
  /** Campaigns that started in the window, oldest first (at most 100: the chart's bars). */
  campaigns: CampaignWithRates[];
  sent: number;
  delivered: number;
  bounced: number;
  spamComplaints: number;
  bounceRate: number | null;
  complaintRate: number | null;
}

/**
 * Bounce and spam complaint rates of the campaigns that started in the last `days` days (complaints /
 * delivered, as Gmail and Yahoo count them), overall and per campaign.
 */
export async function getSendingHealth(db: DbOrTx, { now, days = 30 }: { now: Date; days?: number }): Promise<SendingHealth> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const { rows } = await db.execute<Row>(sql`
    with r as (${campaignRatesCte()})
    select * from r where r.started_at >= ${since.toISOString()}::timestamptz and r.started_at <= ${now.toISOString()}::timestamptz
    order by r.started_at, r.id`);
  const campaigns = rows.map(toCampaign);
  const sum = (f: (c: CampaignWithRates) => number) => campaigns.reduce((n, c) => n + f(c), 0);
  const sent = sum((c) => c.sentCount);
  const delivered = sum((c) => c.delivered);
  const bounced = sum((c) => c.bounced);
  const spamComplaints = sum((c) => c.spamComplaints);
  return {
    since,
    campaigns: campaigns.slice(-100),
    sent,
    delivered,
    bounced,
    spamComplaints,
    bounceRate: sent > 0 ? bounced / sent : null,
    complaintRate: delivered > 0 ? spamComplaints / delivered : null,
  };
}

/** Whether any campaign exists, drafts included (the home page's empty states tell a new account from one with drafts only). */
export async function hasAnyCampaign(db: DbOrTx): Promise<boolean> {
  const { rows } = await db.execute<{ any: boolean }>(sql`select exists (select 1 from campaigns) as any`);
  return rows[0].any;
}
