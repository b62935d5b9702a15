-- Campaign totals: deltas summed per (campaign, counter shard) and written in key order, so
-- concurrent writers lock shard rows in the same order. A message always counts in the same shard
-- (the first 32 bits of its id, mod 16), spreading one campaign's writers over 16 rows.
--
-- deltas: [{campaign_id, message_id, delivered, opened, clicked, bounced, spam_complaints, unsubscribed}]
CREATE OR REPLACE FUNCTION postline_add_outcome_counts(deltas jsonb) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO campaign_event_counters (campaign_id, shard, delivered, opened, clicked, bounced, spam_complaints, unsubscribed)
  SELECT d.campaign_id, (('x' || left(d.message_id::text, 8))::bit(32)::bigint % 16)::int AS shard,
         sum(d.delivered), sum(d.opened), sum(d.clicked), sum(d.bounced), sum(d.spam_complaints), sum(d.unsubscribed)
  FROM jsonb_to_recordset(coalesce(deltas, '[]'::jsonb)) AS d(campaign_id uuid, message_id uuid, delivered int, opened int, clicked int, bounced int, spam_complaints int, unsubscribed int)
  GROUP BY 1, 2
  HAVING sum(d.delivered + d.opened + d.clicked + d.bounced + d.spam_complaints + d.unsubscribed) > 0
  ORDER BY 1, 2
  ON CONFLICT (campaign_id, shard) DO UPDATE SET
    delivered = campaign_event_counters.delivered + excluded.delivered,
    opened = campaign_event_counters.opened + excluded.opened,
    clicked = campaign_event_counters.clicked + excluded.clicked,
    bounced = campaign_event_counters.bounced + excluded.bounced,
    spam_complaints = campaign_event_counters.spam_complaints + excluded.spam_complaints,
    unsubscribed = campaign_event_counters.unsubscribed + excluded.unsubscribed;
$$;
