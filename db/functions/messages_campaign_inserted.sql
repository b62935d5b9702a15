-- messages.campaign_id's foreign key for inserts, a statement at a time (postline_messages_campaign_inserted).
CREATE OR REPLACE TRIGGER messages_campaign_inserted
  AFTER INSERT ON messages
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT
  EXECUTE FUNCTION postline_messages_campaign_inserted();
