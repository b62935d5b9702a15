CREATE TABLE "campaign_hourly_activity" (
	"campaign_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"opens" integer DEFAULT 0 NOT NULL,
	"clicks" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_hourly_activity_campaign_id_hour_pk" PRIMARY KEY("campaign_id","hour")
);
--> statement-breakpoint
CREATE TABLE "campaign_link_clicks" (
	"campaign_id" uuid NOT NULL,
	"link" text NOT NULL,
	"clicks" integer DEFAULT 0 NOT NULL,
	"unique_clicks" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_link_clicks_campaign_id_link_pk" PRIMARY KEY("campaign_id","link")
);
--> statement-breakpoint
ALTER TABLE "campaign_hourly_activity" ADD CONSTRAINT "campaign_hourly_activity_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_link_clicks" ADD CONSTRAINT "campaign_link_clicks_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "messages_campaign_email_idx" ON "messages" USING btree ("campaign_id","to_email","id");--> statement-breakpoint
CREATE INDEX "messages_campaign_activity_idx" ON "messages" USING btree ("campaign_id","last_event_at","id");--> statement-breakpoint
CREATE INDEX "messages_contact_idx" ON "messages" USING btree ("contact_id","created_at");