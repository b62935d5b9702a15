-- One outbound attempt's result (lib/outbound-webhooks/delivery-loop.ts, recordAttempt), in one statement:
-- the attempt; the delivery (done, or its next try); and the endpoint (lease released, failure streak,
-- disabled on 410 or when the schedule is spent), touched only while this attempt still holds its lease.
-- A test send (touch_endpoint false) never retries or disables: it only makes the endpoint due at once,
-- since its delivery kept the endpoint's head until now (the claim re-checks backoff and the rate window,
-- so an earlier ready_at is only a hint).
--
-- Returns whether this result just disabled the endpoint (the caller alerts the admins).
--
-- A function rather than a statement from the app so that the loop can claim the endpoint's next head
-- in the same call and commit (postline_claim_deliveries after it, in one SELECT): an endpoint's
-- deliveries are sent one after the other, and each one cost two commits and two round trips.
-- Generic plans: every statement here finds its rows by primary key.
CREATE OR REPLACE FUNCTION postline_record_attempt(
  attempt bigint, delivery bigint, endpoint uuid, touch_endpoint boolean, recorded_at timestamptz,
  attempt_status webhook_attempt_status, latency integer, status_code integer, failure text, excerpt text, remote text,
  delivery_status webhook_delivery_status, next_attempt timestamptz, disable_reason text
) RETURNS boolean
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  ok constant boolean := attempt_status = 'succeeded';
  just_disabled boolean := false;
BEGIN
  UPDATE webhook_delivery_attempts SET status = attempt_status, finished_at = recorded_at, latency_ms = latency,
    status_code = postline_record_attempt.status_code, error = failure, response_excerpt = excerpt, remote_address = remote
  WHERE id = attempt;

  UPDATE webhook_deliveries SET status = delivery_status, next_attempt_at = next_attempt, last_status_code = postline_record_attempt.status_code,
    last_error = failure, completed_at = CASE WHEN delivery_status = 'pending' THEN NULL ELSE recorded_at END
  WHERE id = delivery AND status = 'pending'
    AND (ok OR NOT touch_endpoint OR EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = endpoint AND lease_attempt_id = attempt));

  IF touch_endpoint THEN
    UPDATE webhook_endpoints e SET
      lease_attempt_id = NULL, lease_expires_at = NULL,
      ready_at = greatest(e.ready_at, next_attempt),
      consecutive_failures = CASE WHEN ok THEN 0 ELSE e.consecutive_failures + 1 END,
      failing_since = CASE WHEN ok THEN NULL ELSE coalesce(e.failing_since, recorded_at) END,
      status = CASE WHEN disable_reason IS NOT NULL AND e.status = 'active' THEN 'disabled'::webhook_endpoint_status ELSE e.status END,
      disabled_at = CASE WHEN disable_reason IS NOT NULL AND e.status = 'active' THEN recorded_at ELSE e.disabled_at END,
      disabled_reason = CASE WHEN disable_reason IS NOT NULL AND e.status = 'active' THEN disable_reason ELSE e.disabled_reason END,
      updated_at = recorded_at
    WHERE e.id = endpoint AND e.lease_attempt_id = attempt
    RETURNING (disable_reason IS NOT NULL AND e.status = 'disabled' AND e.disabled_at = recorded_at) INTO just_disabled;
  ELSE
    UPDATE webhook_endpoints SET ready_at = least(ready_at, recorded_at) WHERE id = endpoint;
  END IF;
  RETURN coalesce(just_disabled, false);
END;
$$;
