-- Removes a deleted event's key and raw JSON (postline_message_events_deleted). Runs only on deletes:
-- the ingestion path runs no per-row trigger.
CREATE OR REPLACE TRIGGER message_events_deleted
  AFTER DELETE ON message_events
  FOR EACH ROW
  EXECUTE FUNCTION postline_message_events_deleted();
