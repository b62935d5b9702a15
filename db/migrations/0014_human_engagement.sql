CREATE TYPE "public"."engagement_class" AS ENUM('human', 'apple_mpp', 'image_proxy', 'link_scanner', 'unknown');--> statement-breakpoint
ALTER TABLE "campaign_event_counters" ADD COLUMN "opened_human" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_event_counters" ADD COLUMN "clicked_human" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_event_counters" ADD COLUMN "opened_machine_only" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_event_counters" ADD COLUMN "opened_apple_mpp" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_event_counters" ADD COLUMN "opened_image_proxy" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_event_counters" ADD COLUMN "opened_link_scanner" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_event_counters" ADD COLUMN "opened_unknown" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_event_counters" ADD COLUMN "clicked_link_scanner" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_event_counters" ADD COLUMN "clicked_unknown" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_hourly_activity" ADD COLUMN "human_opens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_hourly_activity" ADD COLUMN "human_clicks" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_link_clicks" ADD COLUMN "human_clicks" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "honeypot" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "message_events" ADD COLUMN "engagement_class" "engagement_class";--> statement-breakpoint
ALTER TABLE "message_events" ADD COLUMN "engagement_reasons" text[];--> statement-breakpoint
ALTER TABLE "message_events" ADD COLUMN "engagement_rules_version" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "first_human_opened_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "first_human_clicked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "open_classes" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "click_classes" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "engagement" jsonb;--> statement-breakpoint
-- Opens and clicks stored before classification existed keep counting as they did (as people), so a
-- campaign sent before this upgrade keeps its numbers; their events keep engagement_class null
-- ("before classification") and their messages no classifier state (rebuilt from these columns).
UPDATE "messages" SET "first_human_opened_at" = "first_opened_at", "first_human_clicked_at" = "first_clicked_at"
WHERE "first_opened_at" IS NOT NULL OR "first_clicked_at" IS NOT NULL;--> statement-breakpoint
UPDATE "campaign_event_counters" SET "opened_human" = "opened", "clicked_human" = "clicked" WHERE "opened" > 0 OR "clicked" > 0;--> statement-breakpoint
UPDATE "campaign_hourly_activity" SET "human_opens" = "opens", "human_clicks" = "clicks";--> statement-breakpoint
UPDATE "campaign_link_clicks" SET "human_clicks" = "clicks";
