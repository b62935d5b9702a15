-- The refusal messages.campaign_id's checks give (postline_messages_campaign_inserted and
-- postline_messages_campaign_updated), in the words, code and constraint name a declared key used.
CREATE OR REPLACE FUNCTION postline_campaign_key_missing(missing uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'insert or update on table "messages" violates foreign key constraint "messages_campaign_id_campaigns_id_fk"'
    USING ERRCODE = 'foreign_key_violation',
          DETAIL = format('Key (campaign_id)=(%s) is not present in table "campaigns".', missing),
          TABLE = 'messages', CONSTRAINT = 'messages_campaign_id_campaigns_id_fk';
END
$$;
