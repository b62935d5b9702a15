-- messages.campaign_id's foreign key, seen from campaigns (postline_campaign_deleted_messages).
CREATE OR REPLACE TRIGGER campaigns_deleted_messages
  AFTER DELETE OR UPDATE OF id ON campaigns
  FOR EACH ROW
  EXECUTE FUNCTION postline_campaign_deleted_messages();
