import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";

export interface OutcomeCounts {
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  spamComplaints: number;
  unsubscribed: number;
}

export const ZERO_OUTCOMES: OutcomeCounts = { delivered: 0, opened: 0, clicked: 0, bounced: 0, spamComplaints: 0, unsubscribed: 0 };

/**
 * Adds one message's deltas to its campaign's outcome counters (postline_add_outcome_counts in
 * db/functions/, which ingestion uses for whole batches: the shard is chosen there, from the message id).
 */
export async function addOutcomeCounts(
  db: DbOrTx,
  { campaignId, messageId, delta }: { campaignId: string; messageId: string; delta: Partial<OutcomeCounts> },
): Promise<void> {
  const d = { ...ZERO_OUTCOMES, ...delta };
  if (Object.values(d).every((v) => v === 0)) return;
  const row = { campaign_id: campaignId, message_id: messageId, delivered: d.delivered, opened: d.opened, clicked: d.clicked, bounced: d.bounced, spam_complaints: d.spamComplaints, unsubscribed: d.unsubscribed };
  await db.execute(sql`select postline_add_outcome_counts(${JSON.stringify([row])}::jsonb)`);
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
