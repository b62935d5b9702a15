-- Counts one hit on each named rate limit (lib/rate-limit/rate-limit.ts hitRateLimits), in one statement:
-- a key's row continues its fixed window, or restarts it when the window has passed. Rows are taken in
-- key order, so two callers naming the same keys never wait on each other in a cycle. Answers each key's
-- count and window start after the hit.
--
-- hits: [{key, window_ms}] (a key named twice counts once; callers name each key once).
-- The signup form's function (postline_form_signup) counts a post's source and address limits here, in
-- its own transaction, so a post costs one round trip; hitRateLimits calls it alone, committed
-- asynchronously.
CREATE OR REPLACE FUNCTION postline_hit_rate_limits(hits jsonb, hit_at timestamptz)
RETURNS TABLE (key text, count integer, window_start timestamptz)
LANGUAGE sql AS $$
  WITH asked AS (
    SELECT DISTINCT ON (h.key) h.key, h.window_ms * interval '1 millisecond' AS width
    FROM jsonb_to_recordset(hits) AS h(key text, window_ms bigint)
    ORDER BY h.key
  )
  INSERT INTO rate_limits AS r (key, window_start, count)
  SELECT asked.key, hit_at, 1 FROM asked ORDER BY asked.key
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN r.window_start <= hit_at - (SELECT width FROM asked WHERE asked.key = r.key) THEN 1 ELSE r.count + 1 END,
    window_start = CASE WHEN r.window_start <= hit_at - (SELECT width FROM asked WHERE asked.key = r.key) THEN hit_at ELSE r.window_start END
  RETURNING r.key, r.count, r.window_start
$$;
