CREATE TABLE "postmark_suppression_syncs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"status" text DEFAULT 'running' NOT NULL,
	"pulled" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"applied" integer DEFAULT 0 NOT NULL,
	"pushed" integer DEFAULT 0 NOT NULL,
	"push_failed" integer DEFAULT 0 NOT NULL,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "postmark_suppressions" (
	"stream" text NOT NULL,
	"email" text NOT NULL,
	"reason" text NOT NULL,
	"origin" text NOT NULL,
	"suppressed_at" timestamp with time zone NOT NULL,
	"seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "postmark_suppressions_stream_email_pk" PRIMARY KEY("stream","email")
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "sender_check" jsonb;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "sender_override_by" text;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "sender_override_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "postmark_suppressions_email_idx" ON "postmark_suppressions" USING btree ("email");