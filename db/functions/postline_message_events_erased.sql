-- An orphan event (stored before its message was known) linked later to a message whose recipient was
-- erased is stripped as erasure left the others (lib/contacts/erase.ts): record type, MessageID and the anonymous
-- details only, no recipient and no raw payload (its row of message_event_raw, if the retention kept it).
-- An erased message's to_email is '(erased)' (ERASED there).
CREATE OR REPLACE FUNCTION postline_message_events_erased() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM messages m WHERE m.id = NEW.message_id AND m.to_email = '(erased)') THEN
    NEW.recipient := NULL;
    NEW.details := postline_erased_event_details(NEW.details);
    UPDATE message_event_raw SET raw = jsonb_build_object('RecordType', raw->'RecordType', 'MessageID', raw->'MessageID', 'Erased', true)
    WHERE event_id = NEW.id AND received_at = NEW.received_at;
  END IF;
  RETURN NEW;
END;
$$;
