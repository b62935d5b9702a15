-- messages.campaign_id's foreign key for an update that names the column (trigger
-- messages_campaign_updated): the new campaign is locked as a declared key locks it and must exist.
-- Sending's updates never set campaign_id, so they never run this.
CREATE OR REPLACE FUNCTION postline_messages_campaign_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM campaigns c WHERE c.id = NEW.campaign_id FOR KEY SHARE OF c;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'insert or update on table "messages" violates foreign key constraint "messages_campaign_id_campaigns_id_fk"'
      USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (campaign_id)=(%s) is not present in table "campaigns".', NEW.campaign_id),
            TABLE = 'messages', CONSTRAINT = 'messages_campaign_id_campaigns_id_fk';
  END IF;
  RETURN NULL;
END
$$;
