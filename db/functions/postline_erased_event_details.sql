-- What an event of an erased contact's message keeps of its extracted details: the anonymous ones only
-- (no address, IP, location, link or user agent). Used by postline_ingest_events for events arriving
-- after the erasure and by postline_message_events_erased for orphans linked to such a message later.
CREATE OR REPLACE FUNCTION postline_erased_event_details(details jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(d.key, d.value), '{}'::jsonb)
  FROM jsonb_each(coalesce(details, '{}'::jsonb)) d
  WHERE d.key IN ('type', 'firstOpen', 'platform', 'client', 'inactive')
$$;
