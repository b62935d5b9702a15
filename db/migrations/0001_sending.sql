CREATE TYPE "public"."send_batch_status" AS ENUM('in_flight', 'done', 'uncertain', 'released');--> statement-breakpoint
ALTER TYPE "public"."message_status" ADD VALUE 'cancelled';--> statement-breakpoint
CREATE TABLE "send_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid,
	"status" "send_batch_status" DEFAULT 'in_flight' NOT NULL,
	"message_count" integer NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"check_after" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"error" text
);
--> statement-breakpoint
DROP INDEX "messages_campaign_status_idx";--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "paused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "html_body" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "text_body" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "batch_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "send_batches" ADD CONSTRAINT "send_batches_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "send_batches_open_idx" ON "send_batches" USING btree ("status","check_after") WHERE "send_batches"."status" in ('in_flight', 'uncertain');--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_batch_id_send_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."send_batches"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "messages_batch_idx" ON "messages" USING btree ("batch_id");--> statement-breakpoint
CREATE INDEX "messages_single_queue_idx" ON "messages" USING btree ("status","id") WHERE "messages"."campaign_id" is null and "messages"."status" in ('queued', 'sending');--> statement-breakpoint
CREATE INDEX "messages_campaign_status_idx" ON "messages" USING btree ("campaign_id","status","id");