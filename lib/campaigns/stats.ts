import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { CAMPAIGN_COUNTER_SHARDS } from "@/db/schema";

export interface OutcomeCounts {
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  spamComplaints: number;
  unsubscribed: number;
}

export const ZERO_OUTCOMES: OutcomeCounts = { delivered: 0, opened: 0, clicked: 0, bounced: 0, spamComplaints: 0, unsubscribed: 0 };

/** The shard a message always counts in: a stable function of its id. */
export function shardFor(messageId: string): number {
  return parseInt(messageId.slice(0, 8), 16) % CAMPAIGN_COUNTER_SHARDS;
}

export interface OutcomeDelta {
  campaignId: string;
  messageId: string;
  delta: Partial<OutcomeCounts>;
}

/**
 * Adds deltas to campaigns' outcome counters in one upsert: deltas are summed per (campaign, shard)
 * and written in key order, so concurrent callers lock shard rows in the same order.
 */
export async function addOutcomeCountsMany(db: DbOrTx, deltas: OutcomeDelta[]): Promise<void> {
  const byShard = new Map<string, { campaignId: string; shard: number } & OutcomeCounts>();
  for (const { campaignId, messageId, delta } of deltas) {
    const shard = shardFor(messageId);
    const key = `${campaignId}:${String(shard).padStart(3, "0")}`;
    const row = byShard.get(key) ?? { campaignId, shard, ...ZERO_OUTCOMES };
    for (const k of Object.keys(ZERO_OUTCOMES) as (keyof OutcomeCounts)[]) row[k] += delta[k] ?? 0;
    byShard.set(key, row);
  }
  const rows = [...byShard.entries()]
    .filter(([, r]) => Object.keys(ZERO_OUTCOMES).some((k) => r[k as keyof OutcomeCounts] !== 0))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, r]) => r);
  if (rows.length === 0) return;
  // One JSON parameter rather than a bound parameter per cell: this runs for every ingested batch.
  await db.execute(sql`
    insert into campaign_event_counters (campaign_id, shard, delivered, opened, clicked, bounced, spam_complaints, unsubscribed)
    select v."campaignId", v.shard, v.delivered, v.opened, v.clicked, v.bounced, v."spamComplaints", v.unsubscribed
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(
      "campaignId" uuid, shard int, delivered int, opened int, clicked int, bounced int, "spamComplaints" int, unsubscribed int)
    on conflict (campaign_id, shard) do update set
      delivered = campaign_event_counters.delivered + excluded.delivered,
      opened = campaign_event_counters.opened + excluded.opened,
      clicked = campaign_event_counters.clicked + excluded.clicked,
      bounced = campaign_event_counters.bounced + excluded.bounced,
      spam_complaints = campaign_event_counters.spam_complaints + excluded.spam_complaints,
      unsubscribed = campaign_event_counters.unsubscribed + excluded.unsubscribed`);
}

/** Adds deltas to one shard of a campaign's outcome counters (one upsert). */
export async function addOutcomeCounts(db: DbOrTx, campaignId: string, messageId: string, delta: Partial<OutcomeCounts>): Promise<void> {
  await addOutcomeCountsMany(db, [{ campaignId, messageId, delta }]);
}

/** Outcome totals for campaigns: a sum over at most 16 rows each, never a count over events. */
export async function getOutcomeCounts(db: DbOrTx, campaignIds: string[]): Promise<Map<string, OutcomeCounts>> {
  const out = new Map<string, OutcomeCounts>(campaignIds.map((id) => [id, { ...ZERO_OUTCOMES }]));
  if (campaignIds.length === 0) return out;
  const rows = await db.execute<{ campaign_id: string } & Record<keyof OutcomeCounts, number>>(sql`
    select campaign_id,
           sum(delivered)::int as "delivered", sum(opened)::int as "opened", sum(clicked)::int as "clicked",
           sum(bounced)::int as "bounced", sum(spam_complaints)::int as "spamComplaints", sum(unsubscribed)::int as "unsubscribed"
    from campaign_event_counters
    where campaign_id in (select jsonb_array_elements_text(${JSON.stringify(campaignIds)}::jsonb)::uuid)
    group by campaign_id`);
  for (const r of rows.rows) {
    out.set(r.campaign_id, { delivered: r.delivered, opened: r.opened, clicked: r.clicked, bounced: r.bounced, spamComplaints: r.spamComplaints, unsubscribed: r.unsubscribed });
  }
  return out;
}

export async function getCampaignOutcomes(db: DbOrTx, campaignId: string): Promise<OutcomeCounts> {
  return (await getOutcomeCounts(db, [campaignId])).get(campaignId)!;
}
