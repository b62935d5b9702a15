-- The outbox, for every writer (lib/outbound-webhooks/outbox.ts, ingestion, triggers): one event row
-- per event that some active endpoint subscribes to (most Email.Opened have no subscriber and cost
-- one scan of a small table), one delivery per subscribing endpoint, due from when the event happened
-- (never later than now). Runs in the caller's transaction: announced only if that commits.
--
-- events: [{event, data, occurred_at}] in the order they happened; returns the deliveries queued.
CREATE OR REPLACE FUNCTION postline_enqueue_outbound(events jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  queued integer;
BEGIN
  IF events IS NULL OR jsonb_array_length(events) = 0 THEN
    RETURN 0;
  END IF;
  WITH src AS MATERIALIZED (
    SELECT gen_random_uuid() AS id, e->>'event' AS event, e->'data' AS data, (e->>'occurred_at')::timestamptz AS occurred_at, ord
    FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, ord)
  ),
  subs AS MATERIALIZED (
    SELECT id, webhook_endpoints.events FROM webhook_endpoints WHERE status = 'active'
  ),
  fan AS MATERIALIZED (
    SELECT src.id AS event_id, src.event, src.ord, subs.id AS endpoint_id
    FROM src JOIN subs ON src.event = ANY (subs.events)
  ),
  written AS (
    INSERT INTO webhook_events (id, event, data, occurred_at)
    SELECT id, event, data, occurred_at FROM src WHERE EXISTS (SELECT 1 FROM fan WHERE fan.event_id = src.id)
  ),
  deliveries AS (
    INSERT INTO webhook_deliveries (endpoint_id, event_id, event, next_attempt_at)
    SELECT fan.endpoint_id, fan.event_id, fan.event, least(src.occurred_at, now())
    FROM fan JOIN src ON src.id = fan.event_id
    ORDER BY fan.ord, fan.endpoint_id
    RETURNING 1
  )
  SELECT count(*)::integer INTO queued FROM deliveries;
  RETURN queued;
END;
$$;
