-- Events of an erased message arrive without personal data (postline_message_events_erased); also when an
-- orphan event is linked to its message later.
CREATE OR REPLACE TRIGGER message_events_erased
  BEFORE INSERT OR UPDATE OF message_id ON message_events
  FOR EACH ROW
  WHEN (NEW.message_id IS NOT NULL)
  EXECUTE FUNCTION postline_message_events_erased();
