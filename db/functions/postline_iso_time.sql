-- An instant as JavaScript's Date.prototype.toISOString prints it (UTC, milliseconds, "Z"): the time
-- format of every outbound payload, whichever language builds it. STABLE like to_char, so that the
-- planner inlines it.
CREATE OR REPLACE FUNCTION postline_iso_time(at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
