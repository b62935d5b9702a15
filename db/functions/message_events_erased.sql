-- An orphan event linked later to an erased message loses its personal data (postline_message_events_erased).
-- New events are stripped by postline_ingest_events itself, the one place events are inserted, so the
-- ingestion path runs no per-row trigger.
CREATE OR REPLACE TRIGGER message_events_erased
  BEFORE UPDATE OF message_id ON message_events
  FOR EACH ROW
  WHEN (NEW.message_id IS NOT NULL)
  EXECUTE FUNCTION postline_message_events_erased();
