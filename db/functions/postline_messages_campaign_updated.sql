-- messages.campaign_id's foreign key for an update that names the column (trigger
-- messages_campaign_updated): the new campaign is locked as a declared key locks it and must exist.
-- Sending's updates never set campaign_id, so they never run this.
CREATE OR REPLACE FUNCTION postline_messages_campaign_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM campaigns c WHERE c.id = NEW.campaign_id FOR KEY SHARE OF c;
  IF NOT FOUND THEN
    PERFORM postline_campaign_key_missing(NEW.campaign_id);
  END IF;
  RETURN NULL;
END
$$;
