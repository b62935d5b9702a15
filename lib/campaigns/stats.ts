import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { CAMPAIGN_COUNTER_SHARDS, campaignEventCounters } from "@/db/schema";

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

/** Adds deltas to one shard of a campaign's outcome counters (one upsert). */
export async function addOutcomeCounts(db: DbOrTx, campaignId: string, messageId: string, delta: Partial<OutcomeCounts>): Promise<void> {
  const d = { ...ZERO_OUTCOMES, ...delta };
  if (Object.values(d).every((v) => v === 0)) return;
  await db
    .insert(campaignEventCounters)
    .values({ campaignId, shard: shardFor(messageId), ...d })
    .onConflictDoUpdate({
      target: [campaignEventCounters.campaignId, campaignEventCounters.shard],
      set: {
        delivered: sql`${campaignEventCounters.delivered} + ${d.delivered}`,
        opened: sql`${campaignEventCounters.opened} + ${d.opened}`,
        clicked: sql`${campaignEventCounters.clicked} + ${d.clicked}`,
        bounced: sql`${campaignEventCounters.bounced} + ${d.bounced}`,
        spamComplaints: sql`${campaignEventCounters.spamComplaints} + ${d.spamComplaints}`,
        unsubscribed: sql`${campaignEventCounters.unsubscribed} + ${d.unsubscribed}`,
      },
    });
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
