-- The other side of messages.campaign_id's foreign key (trigger campaigns_deleted_messages): a deleted
-- campaign's messages go with it, as `on delete cascade` did; a campaign's id never changes while
-- messages name it, as `on update no action` refused.
CREATE OR REPLACE FUNCTION postline_campaign_deleted_messages() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM messages WHERE campaign_id = OLD.id;
    RETURN OLD;
  END IF;
  IF NEW.id IS DISTINCT FROM OLD.id AND EXISTS (SELECT 1 FROM messages WHERE campaign_id = OLD.id) THEN
    RAISE EXCEPTION 'update or delete on table "campaigns" violates foreign key constraint "messages_campaign_id_campaigns_id_fk" on table "messages"'
      USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (id)=(%s) is still referenced from table "messages".', OLD.id),
            TABLE = 'campaigns', CONSTRAINT = 'messages_campaign_id_campaigns_id_fk';
  END IF;
  RETURN NEW;
END
$$;
