-- The per-row check of this key was a fifth of the audience freeze's cost (issue 16 item 5). Only the
-- freeze writes a message with a campaign id, holding that campaign's row (updated in the same
-- transaction), and campaigns are never deleted, so the key guarded nothing the freeze does not.
ALTER TABLE "messages" DROP CONSTRAINT "messages_campaign_id_campaigns_id_fk";
