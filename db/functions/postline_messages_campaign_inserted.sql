-- messages.campaign_id's foreign key, checked once a statement (trigger messages_campaign_inserted):
-- every campaign the statement's rows name is locked as a declared key locks it (FOR KEY SHARE: no
-- delete and no change of id until this transaction ends) and must exist. A declared key did the
-- same for each row, re-reading one campaign for each of a freeze's 57,000 rows.
CREATE OR REPLACE FUNCTION postline_messages_campaign_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  missing uuid;
BEGIN
  PERFORM 1 FROM campaigns c
  WHERE c.id IN (SELECT i.campaign_id FROM inserted i WHERE i.campaign_id IS NOT NULL)
  ORDER BY c.id
  FOR KEY SHARE OF c;
  SELECT i.campaign_id INTO missing FROM inserted i
  WHERE i.campaign_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = i.campaign_id)
  LIMIT 1;
  IF missing IS NOT NULL THEN
    PERFORM postline_campaign_key_missing(missing);
  END IF;
  RETURN NULL;
END
$$;
