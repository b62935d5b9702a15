-- messages.campaign_id's foreign key for updates that change it (postline_messages_campaign_updated).
CREATE OR REPLACE TRIGGER messages_campaign_updated
  AFTER UPDATE OF campaign_id ON messages
  FOR EACH ROW
  WHEN (NEW.campaign_id IS NOT NULL AND NEW.campaign_id IS DISTINCT FROM OLD.campaign_id)
  EXECUTE FUNCTION postline_messages_campaign_updated();
