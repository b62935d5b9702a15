DROP INDEX "messages_campaign_email_idx";--> statement-breakpoint
CREATE INDEX "messages_campaign_address_idx" ON "messages" USING btree ("campaign_id","to_email","id",lower("to_email"));