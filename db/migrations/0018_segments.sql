CREATE TABLE "segments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"definition" jsonb NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaign_segments" (
	"campaign_id" uuid NOT NULL,
	"segment_id" uuid NOT NULL,
	"exclude" boolean DEFAULT false NOT NULL,
	CONSTRAINT "campaign_segments_campaign_id_segment_id_pk" PRIMARY KEY("campaign_id","segment_id")
);
--> statement-breakpoint
CREATE TABLE "campaign_tags" (
	"campaign_id" uuid NOT NULL,
	"tag_id" uuid NOT NULL,
	"exclude" boolean DEFAULT false NOT NULL,
	CONSTRAINT "campaign_tags_campaign_id_tag_id_pk" PRIMARY KEY("campaign_id","tag_id")
);
--> statement-breakpoint
ALTER TABLE "campaign_lists" ADD COLUMN "exclude" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "segments" ADD CONSTRAINT "segments_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_segments" ADD CONSTRAINT "campaign_segments_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_segments" ADD CONSTRAINT "campaign_segments_segment_id_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."segments"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_tags" ADD CONSTRAINT "campaign_tags_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_tags" ADD CONSTRAINT "campaign_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "segments_created_idx" ON "segments" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "campaign_segments_segment_idx" ON "campaign_segments" USING btree ("segment_id");--> statement-breakpoint
CREATE INDEX "campaign_tags_tag_idx" ON "campaign_tags" USING btree ("tag_id");--> statement-breakpoint
CREATE INDEX "contacts_fields_gin_idx" ON "contacts" USING gin ("fields");--> statement-breakpoint
CREATE INDEX "messages_human_opened_contact_idx" ON "messages" USING btree ("first_human_opened_at","contact_id") WHERE "messages"."first_human_opened_at" is not null and "messages"."contact_id" is not null and "messages"."campaign_id" is not null;--> statement-breakpoint
CREATE INDEX "messages_human_clicked_contact_idx" ON "messages" USING btree ("first_human_clicked_at","contact_id") WHERE "messages"."first_human_clicked_at" is not null and "messages"."contact_id" is not null and "messages"."campaign_id" is not null;