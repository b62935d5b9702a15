-- An orphan event (stored before its message was known) linked later to a message whose recipient was
-- erased is stripped as erasure left the others (lib/contacts/erase.ts): record type, MessageID and the anonymous
-- details only, no recipient and no raw payload. An erased message's to_email is '(erased)' (ERASED there).
CREATE OR REPLACE FUNCTION postline_message_events_erased() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM messages m WHERE m.id = NEW.message_id AND m.to_email = '(erased)') THEN
    NEW.recipient := NULL;
    NEW.raw := jsonb_build_object('RecordType', NEW.raw->'RecordType', 'MessageID', NEW.raw->'MessageID', 'Erased', true);
    NEW.details := postline_erased_event_details(NEW.details);
  END IF;
  RETURN NEW;
END;
$$;
