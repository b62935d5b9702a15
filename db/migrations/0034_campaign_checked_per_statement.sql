ALTER TABLE "messages" DROP CONSTRAINT "messages_campaign_id_campaigns_id_fk";
