-- Campaign totals: deltas summed per (campaign, counter shard) and written in key order, so
-- concurrent writers lock shard rows in the same order. A writer adds to the shard of its connection
-- (pg_backend_pid() mod 16, as form_counts): two batches of one campaign on two connections almost
-- never share a row, so neither waits for the other's commit. (Until 2026-11-27 the shard came from
-- the message's id, and a batch of a few messages touched several of the 16 rows: in bench:ingest two
-- concurrent batches met on one most of the time and the later one waited. A total is the sum of the
-- shards either way.)
--
-- deltas: [{campaign_id, message_id, delivered, opened, clicked, bounced, hard_bounced, spam_complaints, unsubscribed,
--           opened_human, clicked_human, opened_machine_only, opened_apple_mpp, opened_image_proxy, opened_link_scanner, opened_unknown, clicked_link_scanner, clicked_unknown}]
-- (opened_machine_only moves down as well as up: a person's open ends "machine only")
CREATE OR REPLACE FUNCTION postline_add_outcome_counts(deltas jsonb) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO campaign_event_counters (campaign_id, shard, delivered, opened, clicked, bounced, hard_bounced, spam_complaints, unsubscribed,
                                       opened_human, clicked_human, opened_machine_only, opened_apple_mpp, opened_image_proxy, opened_link_scanner, opened_unknown, clicked_link_scanner, clicked_unknown)
  SELECT d.campaign_id, (pg_backend_pid() % 16)::int AS shard,
         sum(d.delivered), sum(d.opened), sum(d.clicked), sum(d.bounced), sum(coalesce(d.hard_bounced, 0)), sum(d.spam_complaints), sum(d.unsubscribed),
         sum(coalesce(d.opened_human, 0)), sum(coalesce(d.clicked_human, 0)), sum(coalesce(d.opened_machine_only, 0)), sum(coalesce(d.opened_apple_mpp, 0)), sum(coalesce(d.opened_image_proxy, 0)), sum(coalesce(d.opened_link_scanner, 0)), sum(coalesce(d.opened_unknown, 0)), sum(coalesce(d.clicked_link_scanner, 0)), sum(coalesce(d.clicked_unknown, 0))
  FROM jsonb_to_recordset(coalesce(deltas, '[]'::jsonb)) AS d(campaign_id uuid, message_id uuid, delivered int, opened int, clicked int, bounced int, hard_bounced int, spam_complaints int, unsubscribed int,
                                                               opened_human int, clicked_human int, opened_machine_only int, opened_apple_mpp int, opened_image_proxy int, opened_link_scanner int, opened_unknown int, clicked_link_scanner int, clicked_unknown int)
  GROUP BY 1, 2
  HAVING bool_or(d.delivered + d.opened + d.clicked + d.bounced + d.spam_complaints + d.unsubscribed
                  + abs(coalesce(d.opened_human, 0)) + abs(coalesce(d.clicked_human, 0)) + abs(coalesce(d.opened_machine_only, 0)) + abs(coalesce(d.opened_apple_mpp, 0)) + abs(coalesce(d.opened_image_proxy, 0)) + abs(coalesce(d.opened_link_scanner, 0)) + abs(coalesce(d.opened_unknown, 0)) + abs(coalesce(d.clicked_link_scanner, 0)) + abs(coalesce(d.clicked_unknown, 0)) > 0)
  ORDER BY 1, 2
  ON CONFLICT (campaign_id, shard) DO UPDATE SET
    delivered = campaign_event_counters.delivered + excluded.delivered,
    opened = campaign_event_counters.opened + excluded.opened,
    clicked = campaign_event_counters.clicked + excluded.clicked,
    bounced = campaign_event_counters.bounced + excluded.bounced,
    hard_bounced = campaign_event_counters.hard_bounced + excluded.hard_bounced,
    spam_complaints = campaign_event_counters.spam_complaints + excluded.spam_complaints,
    unsubscribed = campaign_event_counters.unsubscribed + excluded.unsubscribed,
    opened_human = campaign_event_counters.opened_human + excluded.opened_human,
    clicked_human = campaign_event_counters.clicked_human + excluded.clicked_human,
    opened_machine_only = campaign_event_counters.opened_machine_only + excluded.opened_machine_only,
    opened_apple_mpp = campaign_event_counters.opened_apple_mpp + excluded.opened_apple_mpp,
    opened_image_proxy = campaign_event_counters.opened_image_proxy + excluded.opened_image_proxy,
    opened_link_scanner = campaign_event_counters.opened_link_scanner + excluded.opened_link_scanner,
    opened_unknown = campaign_event_counters.opened_unknown + excluded.opened_unknown,
    clicked_link_scanner = campaign_event_counters.clicked_link_scanner + excluded.clicked_link_scanner,
    clicked_unknown = campaign_event_counters.clicked_unknown + excluded.clicked_unknown;
$$;
