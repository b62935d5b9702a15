/**
 * A campaign's opens and clicks over time, in bars sized to its age: minutes in its first hours, then
 * hours, then days, so the chart has roughly 24 to 60 bars whatever the campaign's age.
 *
 * Ingestion keeps opens and clicks per hour (campaign_hourly_activity, never recounted; an hour's
 * writers' shards are summed here); bars of an hour or more are sums of those rows. Bars under an
 * hour are counted from the campaign's events, and only for a campaign of at most FINE_BARS_MAX_SENT
 * sent messages: the count costs one index probe per message (about 10 µs each, so ≤ 50 ms on every
 * refresh of the page); a larger campaign gets hours.
 * Minute bars for any size would need ingestion to keep per-minute rows as it keeps hourly ones.
 */
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { ENGAGEMENT_RULES } from "@/lib/engagement/rules";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface ActivityBucket {
  /** "5 minutes", "1 hour", "2 days": for captions ("per 5 minutes"). */
  label: string;
  ms: number;
}

const bucket = (n: number, unit: "minute" | "hour" | "day", ms: number): ActivityBucket => ({ label: `${n} ${unit}${n === 1 ? "" : "s"}`, ms: n * ms });

/** Bucket sizes, each at most 2.5 times the one before, so the chosen one never drops below 24 bars. */
export const ACTIVITY_BUCKETS: readonly ActivityBucket[] = [
  bucket(1, "minute", MINUTE),
  bucket(2, "minute", MINUTE),
  bucket(5, "minute", MINUTE),
  bucket(10, "minute", MINUTE),
  bucket(15, "minute", MINUTE),
  bucket(30, "minute", MINUTE),
  bucket(1, "hour", HOUR),
  bucket(2, "hour", HOUR),
  bucket(3, "hour", HOUR),
  bucket(6, "hour", HOUR),
  bucket(12, "hour", HOUR),
  bucket(1, "day", DAY),
  bucket(2, "day", DAY),
  bucket(4, "day", DAY),
  bucket(7, "day", DAY),
  bucket(14, "day", DAY),
  bucket(30, "day", DAY),
];

export const MAX_BARS = 60;
/** Campaigns up to this many sent messages get bars under an hour (counted from their events). */
export const FINE_BARS_MAX_SENT = 5_000;

/**
 * The smallest bucket (at least `atLeastMs`) that covers `rangeMs` in at most MAX_BARS bars. A range
 * under a minute is one one-minute bar.
 */
export function chooseActivityBucket(rangeMs: number, atLeastMs = 0): ActivityBucket {
  const range = Math.max(rangeMs, 0);
  for (const b of ACTIVITY_BUCKETS) {
    if (b.ms < atLeastMs) continue;
    if (Math.ceil(range / b.ms) <= MAX_BARS) return b;
  }
  return ACTIVITY_BUCKETS[ACTIVITY_BUCKETS.length - 1];
}

/**
 * Where bars start: midnight in `timeZone` (UTC without one), as an instant near `at`. Bars of a day
 * then begin at the viewer's midnight, and bars of 1–12 hours on hours that divide the day.
 */
export function bucketOrigin(at: Date, timeZone?: string): number {
  const day = Math.floor(at.getTime() / DAY) * DAY;
  if (!timeZone) return day;
  return day - timeZoneOffsetMs(at, timeZone);
}

/** How far `timeZone`'s wall clock is ahead of UTC at `at` (Europe/Berlin in winter: one hour). */
export function timeZoneOffsetMs(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

const binStart = (t: number, origin: number, size: number) => origin + Math.floor((t - origin) / size) * size;

export interface CampaignActivityInput {
  campaign: { id: string; startedAt: Date | null; sentCount: number };
  /** The chart runs to now while the campaign is live (see live.ts), else to its last activity. */
  live: boolean;
  now: Date;
  /** The viewer's IANA zone, for where day bars begin; without one, UTC midnight. */
  timeZone?: string;
}

export interface CampaignActivity {
  bucket: ActivityBucket;
  /** Bar start instants, ISO, oldest first, quiet bars included. */
  buckets: string[];
  /** Opens and clicks by people (issue 15: image-proxy opens count; Apple's prefetch and scanners do not). */
  opens: number[];
  clicks: number[];
  /** Every open and click Postmark reported, machines included. */
  allOpens: number[];
  allClicks: number[];
  /** Bars were held at an hour because the campaign is too large to count finer on every view. */
  coarsened: boolean;
  /** Per link: every click, clicks by people, and distinct recipients who clicked. */
  links: { link: string; clicks: number; human_clicks: number; unique_clicks: number }[];
}

export async function getCampaignActivity(db: DbOrTx, { campaign, live, now, timeZone }: CampaignActivityInput): Promise<CampaignActivity> {
  const [hourlyRows, linkRows] = await Promise.all([
    db.execute<{ hour: string | Date; opens: number; clicks: number; human_opens: number; human_clicks: number }>(sql`
      select hour, sum(opens)::int as opens, sum(clicks)::int as clicks, sum(human_opens)::int as human_opens, sum(human_clicks)::int as human_clicks
      from campaign_hourly_activity where campaign_id = ${campaign.id}::uuid group by hour order by hour`),
    db.execute<{ link: string; clicks: number; human_clicks: number; unique_clicks: number }>(sql`
      select link, sum(clicks)::int as clicks, sum(human_clicks)::int as human_clicks, sum(unique_clicks)::int as unique_clicks
      from campaign_link_clicks where campaign_id = ${campaign.id}::uuid group by link order by clicks desc, link limit 50`),
  ]);
  const hourly = hourlyRows.rows.map((r) => ({ at: new Date(r.hour).getTime(), opens: Number(r.human_opens), clicks: Number(r.human_clicks), allOpens: Number(r.opens), allClicks: Number(r.clicks) }));
  const links = linkRows.rows;
  const empty = { bucket: ACTIVITY_BUCKETS[0], buckets: [], opens: [], clicks: [], allOpens: [], allClicks: [], coarsened: false, links };
  if (hourly.length === 0) return empty;
  // From the start of sending (an hourly row starts at its whole hour, before it).
  const start = campaign.startedAt?.getTime() ?? hourly[0].at;
  const lastActivity = hourly[hourly.length - 1].at + HOUR;
  const end = Math.max(live ? now.getTime() : Math.min(lastActivity, now.getTime()), start + 1);

  let chosen = chooseActivityBucket(end - start);
  const coarsened = chosen.ms < HOUR && campaign.sentCount > FINE_BARS_MAX_SENT;
  if (coarsened) chosen = chooseActivityBucket(end - start, HOUR);
  const origin = bucketOrigin(new Date(start), timeZone);
  const firstBar = binStart(start, origin, chosen.ms);
  const bars = Math.min(Math.floor((end - 1 - firstBar) / chosen.ms) + 1, 400);
  const opens = new Array<number>(bars).fill(0);
  const clicks = new Array<number>(bars).fill(0);
  const allOpens = new Array<number>(bars).fill(0);
  const allClicks = new Array<number>(bars).fill(0);
  const add = (at: number, n: { opens: number; clicks: number; allOpens: number; allClicks: number }) => {
    const i = Math.floor((at - firstBar) / chosen.ms);
    if (i < 0 || i >= bars) return;
    opens[i] += n.opens;
    clicks[i] += n.clicks;
    allOpens[i] += n.allOpens;
    allClicks[i] += n.allClicks;
  };

  if (chosen.ms >= HOUR) {
    for (const h of hourly) add(h.at, h);
  } else {
    // Bars under an hour: the events themselves, binned in SQL, looked up message by message through
    // message_events_message_idx (message_id, occurred_at). OFFSET 0 keeps the subquery per message:
    // joined whole, the planner may prefer a scan of every event when most are recent. A person's opens
    // are the human and image-proxy ones, clicks the human ones, as ingestion counts them per hour; an
    // event with no class was stored before classification and counts as a person's (migration 0014).
    const fine = await db.execute<{ bar: string | Date; opens: number; clicks: number; human_opens: number; human_clicks: number }>(sql`
      select date_bin(${`${chosen.ms / 1000} seconds`}::interval, e.occurred_at, ${new Date(origin).toISOString()}::timestamptz) as bar,
             count(*) filter (where e.record_type = 'Open')::int as opens,
             count(*) filter (where e.record_type = 'Click')::int as clicks,
             count(*) filter (where e.record_type = 'Open' and coalesce(e.engagement_class::text in (${sql.join(ENGAGEMENT_RULES.humanOpenClasses.map((c) => sql`${c}`), sql`, `)}), true))::int as human_opens,
             count(*) filter (where e.record_type = 'Click' and coalesce(e.engagement_class = 'human', true))::int as human_clicks
      from messages m
      cross join lateral (
        select e.occurred_at, e.record_type, e.engagement_class from message_events e
        where e.message_id = m.id and e.occurred_at >= ${new Date(firstBar).toISOString()}::timestamptz
        offset 0
      ) e
      where m.campaign_id = ${campaign.id}::uuid and e.record_type in ('Open', 'Click')
      group by 1`);
    for (const r of fine.rows) add(new Date(r.bar).getTime(), { opens: Number(r.human_opens), clicks: Number(r.human_clicks), allOpens: Number(r.opens), allClicks: Number(r.clicks) });
  }
  const buckets = Array.from({ length: bars }, (_, i) => new Date(firstBar + i * chosen.ms).toISOString());
  return { bucket: chosen, buckets, opens, clicks, allOpens, allClicks, coarsened, links };
}
