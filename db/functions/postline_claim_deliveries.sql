-- The outbound delivery loop's claim (lib/outbound-webhooks/delivery-loop.ts, claimDeliveries): the head
-- delivery (oldest pending) of up to max_endpoints active endpoints that are ready and not leased, in
-- one statement and one commit.
-- - An endpoint whose head is backing off, or whose rate window is full, is not claimed: its ready_at
--   moves to when it may go (returned as ready_at, attempt_id null), so claims skip it until then.
-- - A claimed head gets an attempt row (returned as attempt_id) and the endpoint's lease, both committed
--   before the request goes out (at least once; one request per endpoint in flight).
-- - Whoever attempted a claimed head before (a worker whose lease expired, a test send that never
--   recorded its answer) is past its deadline: its attempt is closed as lost. The statement sees the
--   attempts as they were before it, so the attempts it writes are never among those.
-- Endpoints are locked with SKIP LOCKED: instances claiming at once take different endpoints.
--
-- Generic plans (plan_cache_mode), as in postline_ingest_events: every statement here reaches rows by key
-- or by an indexed prefix, and planning this statement anew on each call cost as much as running it
-- (bench:outbound, pg_stat_statements: 0.61 ms planning, 0.65 ms executing per claim).
-- only_endpoint (or null for any): the loop claims the next head of the endpoint whose answer it is
-- recording, in the same call (see postline_record_attempt). The DROP removes the three-argument form
-- this function had while it was being written, from databases made then (none was released with it).
DROP FUNCTION IF EXISTS postline_claim_deliveries(integer, timestamptz, timestamptz);
CREATE OR REPLACE FUNCTION postline_claim_deliveries(max_endpoints integer, claim_at timestamptz, lease_until timestamptz, only_endpoint uuid)
RETURNS TABLE (
  endpoint_id uuid, url text, secret text, previous_secret text, previous_secret_expires_at timestamptz,
  delivery_id bigint, attempts integer, event_id uuid, event text, data jsonb, occurred_at timestamptz,
  ready_at timestamptz, attempt_id bigint
)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
DECLARE
  candidates uuid[];
BEGIN
  -- The candidates by key, so that one generic plan reaches them by the primary key whether they are
  -- one endpoint or every ready one (with `only_endpoint IS NULL OR e.id = only_endpoint` in the query,
  -- every chained claim read every ready endpoint, dead row versions included). The same goes for the
  -- attempts closed as lost below: `id IN (…) OR delivery_id IN (…)` was planned as a scan of every
  -- attempt; `= ANY (ARRAY(…))` on each side is two index probes.
  IF only_endpoint IS NOT NULL THEN
    candidates := ARRAY[only_endpoint];
  ELSE
    candidates := ARRAY(SELECT k.id FROM webhook_endpoints k WHERE k.status = 'active' AND k.ready_at <= claim_at
                          AND (k.lease_expires_at IS NULL OR k.lease_expires_at <= claim_at));
  END IF;
  RETURN QUERY
  WITH c AS MATERIALIZED (
    SELECT e.id AS endpoint_id, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at, e.lease_attempt_id,
           h.id AS delivery_id, h.attempts, h.event_id, ev.event, ev.data, ev.occurred_at,
           CASE WHEN h.next_attempt_at > claim_at THEN h.next_attempt_at
                WHEN w.started_at IS NOT NULL THEN w.started_at + p.period END AS ready_at
    FROM webhook_endpoints e
    CROSS JOIN LATERAL (
      SELECT CASE e.rate_limit_period WHEN 'second' THEN interval '1 second' WHEN 'minute' THEN interval '1 minute'
                                      WHEN 'hour' THEN interval '1 hour' ELSE interval '1 day' END AS period
    ) p
    -- The head: the endpoint's oldest pending delivery, read from webhook_deliveries_pending_idx. Written
    -- as a range on endpoint_id and ordered by (endpoint_id, id) so that only that index gives the order:
    -- with `endpoint_id = e.id … ORDER BY id`, the planner expected pending rows spread evenly over the
    -- table and walked its primary key from the oldest delivery (drill 10: 38 ms and 37,000 buffers per
    -- claim once 70,000 deliveries had succeeded, slower with every one; 0.2 ms this way).
    CROSS JOIN LATERAL (
      SELECT d.id, d.next_attempt_at, d.attempts, d.event_id FROM webhook_deliveries d
      WHERE d.endpoint_id >= e.id AND d.endpoint_id <= e.id AND d.status = 'pending'
      ORDER BY d.endpoint_id, d.id LIMIT 1
    ) h
    JOIN webhook_events ev ON ev.id = h.event_id
    -- The rate window: the rate_limit-th most recent attempt start within the period, if there is one.
    LEFT JOIN LATERAL (
      SELECT a.started_at FROM webhook_delivery_attempts a
      WHERE a.endpoint_id = e.id AND a.started_at > claim_at - p.period
      ORDER BY a.started_at DESC OFFSET e.rate_limit - 1 LIMIT 1
    ) w ON true
    WHERE e.id = ANY (candidates) AND e.status = 'active' AND e.ready_at <= claim_at
      AND (e.lease_expires_at IS NULL OR e.lease_expires_at <= claim_at)
    ORDER BY e.ready_at, e.id
    LIMIT max_endpoints
    FOR UPDATE OF e SKIP LOCKED
  ),
  go AS MATERIALIZED (SELECT c.endpoint_id, c.delivery_id FROM c WHERE c.ready_at IS NULL),
  lost AS (
    UPDATE webhook_delivery_attempts SET status = 'lost', finished_at = claim_at,
      error = 'No result was recorded: the worker stopped before the answer (the delivery is tried again)'
    WHERE status = 'in_flight'
      AND (id = ANY (ARRAY(SELECT c.lease_attempt_id FROM c WHERE c.lease_attempt_id IS NOT NULL))
           OR delivery_id = ANY (ARRAY(SELECT go.delivery_id FROM go)))
  ),
  deferred AS (
    UPDATE webhook_endpoints e SET ready_at = c.ready_at FROM c WHERE e.id = c.endpoint_id AND c.ready_at IS NOT NULL
  ),
  ins AS (
    INSERT INTO webhook_delivery_attempts (delivery_id, endpoint_id, started_at)
    SELECT go.delivery_id, go.endpoint_id, claim_at FROM go
    RETURNING id, delivery_id, endpoint_id
  ),
  lease AS (
    UPDATE webhook_endpoints e SET lease_attempt_id = ins.id, lease_expires_at = lease_until
    FROM ins WHERE e.id = ins.endpoint_id
  ),
  d AS (
    UPDATE webhook_deliveries d SET attempts = d.attempts + 1, first_attempt_at = coalesce(d.first_attempt_at, claim_at), last_attempt_at = claim_at
    FROM ins WHERE d.id = ins.delivery_id
  )
  SELECT c.endpoint_id, c.url, c.secret, c.previous_secret, c.previous_secret_expires_at, c.delivery_id, c.attempts,
         c.event_id, c.event, c.data, c.occurred_at, c.ready_at, ins.id
  FROM c LEFT JOIN ins ON ins.delivery_id = c.delivery_id;
END;
$$;
