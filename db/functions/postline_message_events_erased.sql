-- An event Postmark reports after its message's recipient was erased (a late open, a click weeks later)
-- is stored as erasure left the others (lib/contacts/erase.ts): record type, MessageID and the anonymous
-- details only, no recipient and no raw payload. An erased message's to_email is '(erased)' (ERASED there).
CREATE OR REPLACE FUNCTION postline_message_events_erased() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM messages m WHERE m.id = NEW.message_id AND m.to_email = '(erased)') THEN
    NEW.recipient := NULL;
    NEW.raw := jsonb_build_object('RecordType', NEW.raw->'RecordType', 'MessageID', NEW.raw->'MessageID', 'Erased', true);
    NEW.details := (SELECT coalesce(jsonb_object_agg(d.key, d.value), '{}'::jsonb) FROM jsonb_each(NEW.details) d
                    WHERE d.key IN ('type', 'firstOpen', 'platform', 'client', 'inactive'));
  END IF;
  RETURN NEW;
END;
$$;
