import { sql, type SQL } from "drizzle-orm";
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
 * db/functions/, which ingestion uses for whole batches: the shard is chosen there, by connection).
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

/**
 * A campaign's totals beyond the outcomes above (issue 15): recipients a person opened and clicked
 * for, opened by machines only, and recipients with at least one open or click of each fetcher class
 * (a recipient can count under several). `opened` and `clicked` above stay "any open or click".
 */
export interface CampaignTotals extends OutcomeCounts {
  openedHuman: number;
  clickedHuman: number;
  openedMachineOnly: number;
  machine: {
    opened: { apple_mpp: number; image_proxy: number; link_scanner: number; unknown: number };
    clicked: { link_scanner: number; unknown: number };
  };
}

/** Every counter column, by the name its sum is selected as. */
const COUNTER_COLUMNS = {
  delivered: "delivered",
  opened: "opened",
  clicked: "clicked",
  bounced: "bounced",
  spam_complaints: "spam_complaints",
  unsubscribed: "unsubscribed",
  opened_human: "opened_human",
  clicked_human: "clicked_human",
  opened_machine_only: "opened_machine_only",
  opened_apple_mpp: "opened_apple_mpp",
  opened_image_proxy: "opened_image_proxy",
  opened_link_scanner: "opened_link_scanner",
  opened_unknown: "opened_unknown",
  clicked_link_scanner: "clicked_link_scanner",
  clicked_unknown: "clicked_unknown",
} as const;

export type CounterSums = Record<keyof typeof COUNTER_COLUMNS, number>;

/**
 * The one place campaign_event_counters are summed: a subquery (for a lateral join) giving one row of
 * every counter's total for the campaign `campaignId` (an SQL expression), zeros when it has none. A
 * sum over at most 16 rows, never a count over events.
 */
export function counterSumsSql(campaignId: SQL): SQL {
  const sums = Object.entries(COUNTER_COLUMNS).map(([as, column]) => `coalesce(sum(k.${column}), 0)::int as ${as}`);
  return sql`select ${sql.raw(sums.join(", "))} from campaign_event_counters k where k.campaign_id = ${campaignId}`;
}

export function toCampaignTotals(r: CounterSums): CampaignTotals {
  return {
    delivered: r.delivered,
    opened: r.opened,
    clicked: r.clicked,
    bounced: r.bounced,
    spamComplaints: r.spam_complaints,
    unsubscribed: r.unsubscribed,
    openedHuman: r.opened_human,
    clickedHuman: r.clicked_human,
    openedMachineOnly: r.opened_machine_only,
    machine: {
      opened: { apple_mpp: r.opened_apple_mpp, image_proxy: r.opened_image_proxy, link_scanner: r.opened_link_scanner, unknown: r.opened_unknown },
      clicked: { link_scanner: r.clicked_link_scanner, unknown: r.clicked_unknown },
    },
  };
}

export const ZERO_TOTALS: CampaignTotals = toCampaignTotals(Object.fromEntries(Object.keys(COUNTER_COLUMNS).map((k) => [k, 0])) as CounterSums);

/** Every total of each campaign (zeros for an unknown id). */
export async function getCampaignTotals(db: DbOrTx, campaignIds: string[]): Promise<Map<string, CampaignTotals>> {
  const out = new Map<string, CampaignTotals>(campaignIds.map((id) => [id, ZERO_TOTALS]));
  if (campaignIds.length === 0) return out;
  const rows = await db.execute<{ campaign_id: string } & CounterSums>(sql`
    select c.id as campaign_id, t.*
    from jsonb_array_elements_text(${JSON.stringify(campaignIds)}::jsonb) as c(id)
    cross join lateral (${counterSumsSql(sql`c.id::uuid`)}) t`);
  for (const r of rows.rows) out.set(r.campaign_id, toCampaignTotals(r));
  return out;
}

/** Outcome totals for campaigns ("any" opens and clicks; getCampaignTotals has the human ones). */
export async function getOutcomeCounts(db: DbOrTx, campaignIds: string[]): Promise<Map<string, OutcomeCounts>> {
  const totals = await getCampaignTotals(db, campaignIds);
  return new Map([...totals].map(([id, t]) => [id, { delivered: t.delivered, opened: t.opened, clicked: t.clicked, bounced: t.bounced, spamComplaints: t.spamComplaints, unsubscribed: t.unsubscribed }]));
}

export async function getCampaignOutcomes(db: DbOrTx, campaignId: string): Promise<OutcomeCounts> {
  return (await getOutcomeCounts(db, [campaignId])).get(campaignId)!;
}
