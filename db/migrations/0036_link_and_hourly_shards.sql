-- Clicks per link and activity per hour, sharded by the writer's connection like the campaign
-- counters (db/functions/postline_add_link_clicks.sql, postline_apply_events.sql): every batch of a
-- campaign wrote the same hour's row and its links' rows, and waited for another batch's commit on
-- them. Existing rows become shard 0; readers sum the shards.
ALTER TABLE "campaign_hourly_activity" ADD COLUMN "shard" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_link_clicks" ADD COLUMN "shard" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_hourly_activity" DROP CONSTRAINT "campaign_hourly_activity_campaign_id_hour_pk";--> statement-breakpoint
ALTER TABLE "campaign_link_clicks" DROP CONSTRAINT "campaign_link_clicks_campaign_id_link_pk";--> statement-breakpoint
ALTER TABLE "campaign_hourly_activity" ADD CONSTRAINT "campaign_hourly_activity_campaign_id_hour_shard_pk" PRIMARY KEY("campaign_id","hour","shard");--> statement-breakpoint
ALTER TABLE "campaign_link_clicks" ADD CONSTRAINT "campaign_link_clicks_campaign_id_link_shard_pk" PRIMARY KEY("campaign_id","link","shard");
