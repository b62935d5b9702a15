CREATE TABLE "campaign_event_counters" (
	"campaign_id" uuid NOT NULL,
	"shard" smallint NOT NULL,
	"delivered" integer DEFAULT 0 NOT NULL,
	"opened" integer DEFAULT 0 NOT NULL,
	"clicked" integer DEFAULT 0 NOT NULL,
	"bounced" integer DEFAULT 0 NOT NULL,
	"spam_complaints" integer DEFAULT 0 NOT NULL,
	"unsubscribed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_event_counters_campaign_id_shard_pk" PRIMARY KEY("campaign_id","shard")
);
--> statement-breakpoint
ALTER TABLE "campaign_event_counters" ADD CONSTRAINT "campaign_event_counters_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" DROP COLUMN "delivered_count";--> statement-breakpoint
ALTER TABLE "campaigns" DROP COLUMN "opened_count";--> statement-breakpoint
ALTER TABLE "campaigns" DROP COLUMN "clicked_count";--> statement-breakpoint
ALTER TABLE "campaigns" DROP COLUMN "bounced_count";--> statement-breakpoint
ALTER TABLE "campaigns" DROP COLUMN "spam_complaint_count";--> statement-breakpoint
ALTER TABLE "campaigns" DROP COLUMN "unsubscribed_count";