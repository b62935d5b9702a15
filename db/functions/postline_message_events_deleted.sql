-- An event deleted (its message deleted: ON DELETE CASCADE; a test's cleanup) takes its key and raw
-- JSON with it (message_event_keys, message_event_raw: db/schema/messages.ts), so a key is stored
-- exactly while its event is. An UPDATE that moves a row to another partition (received_at changed)
-- also fires AFTER DELETE: the event still exists then (under its id), and nothing is removed; nor
-- when lib/ingest/partitions.ts moves rows out of a default partition (postline.moving_events set).
CREATE OR REPLACE FUNCTION postline_message_events_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('postline.moving_events', true) = 'on' OR EXISTS (SELECT 1 FROM message_events WHERE id = OLD.id) THEN
    RETURN NULL;
  END IF;
  DELETE FROM message_event_raw WHERE event_id = OLD.id AND received_at = OLD.received_at;
  DELETE FROM message_event_keys WHERE event_key = OLD.event_key;
  RETURN NULL;
END;
$$;
