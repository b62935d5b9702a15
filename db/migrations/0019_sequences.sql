CREATE TYPE "public"."enrollment_status" AS ENUM('active', 'completed', 'exited');--> statement-breakpoint
CREATE TYPE "public"."sequence_delay_unit" AS ENUM('minutes', 'hours', 'days');--> statement-breakpoint
CREATE TYPE "public"."sequence_status" AS ENUM('draft', 'active', 'paused');--> statement-breakpoint
CREATE TYPE "public"."sequence_trigger" AS ENUM('form', 'list', 'tag', 'manual');--> statement-breakpoint
ALTER TYPE "public"."message_kind" ADD VALUE 'sequence';--> statement-breakpoint
CREATE TABLE "sequence_emails" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"sequence_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"delay_amount" integer NOT NULL,
	"delay_unit" "sequence_delay_unit" NOT NULL,
	"subject" text NOT NULL,
	"html" text NOT NULL,
	"text" text,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sequence_enrollments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"sequence_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"status" "enrollment_status" DEFAULT 'active' NOT NULL,
	"exit_reason" text,
	"next_email_id" uuid,
	"anchor_at" timestamp with time zone NOT NULL,
	"next_due_at" timestamp with time zone,
	"emails_sent" integer DEFAULT 0 NOT NULL,
	"enrolled_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"exited_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sequences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"status" "sequence_status" DEFAULT 'draft' NOT NULL,
	"trigger_type" "sequence_trigger" DEFAULT 'manual' NOT NULL,
	"trigger_id" uuid,
	"from_email" text NOT NULL,
	"reenroll" boolean DEFAULT false NOT NULL,
	"window_days" smallint[],
	"window_start_hour" smallint,
	"window_end_hour" smallint,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"exit_tag_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"exit_list_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"created_by_id" uuid,
	"activated_at" timestamp with time zone,
	"paused_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "sequence_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "sequence_email_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "enrollment_id" uuid;--> statement-breakpoint
ALTER TABLE "sequence_emails" ADD CONSTRAINT "sequence_emails_sequence_id_sequences_id_fk" FOREIGN KEY ("sequence_id") REFERENCES "public"."sequences"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sequence_enrollments" ADD CONSTRAINT "sequence_enrollments_sequence_id_sequences_id_fk" FOREIGN KEY ("sequence_id") REFERENCES "public"."sequences"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sequence_enrollments" ADD CONSTRAINT "sequence_enrollments_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sequence_enrollments" ADD CONSTRAINT "sequence_enrollments_next_email_id_sequence_emails_id_fk" FOREIGN KEY ("next_email_id") REFERENCES "public"."sequence_emails"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sequences" ADD CONSTRAINT "sequences_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sequence_emails_position_key" ON "sequence_emails" USING btree ("sequence_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "sequence_enrollments_active_key" ON "sequence_enrollments" USING btree ("sequence_id","contact_id") WHERE "sequence_enrollments"."status" = 'active';--> statement-breakpoint
CREATE INDEX "sequence_enrollments_due_idx" ON "sequence_enrollments" USING btree ("next_due_at") WHERE "sequence_enrollments"."status" = 'active' and "sequence_enrollments"."next_due_at" is not null;--> statement-breakpoint
CREATE INDEX "sequence_enrollments_sequence_idx" ON "sequence_enrollments" USING btree ("sequence_id","status","enrolled_at");--> statement-breakpoint
CREATE INDEX "sequence_enrollments_contact_idx" ON "sequence_enrollments" USING btree ("contact_id","enrolled_at");--> statement-breakpoint
CREATE INDEX "sequence_enrollments_next_email_idx" ON "sequence_enrollments" USING btree ("next_email_id") WHERE "sequence_enrollments"."status" = 'active';--> statement-breakpoint
CREATE INDEX "sequences_trigger_idx" ON "sequences" USING btree ("trigger_type","trigger_id") WHERE "sequences"."status" = 'active';--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_sequence_id_sequences_id_fk" FOREIGN KEY ("sequence_id") REFERENCES "public"."sequences"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_sequence_email_id_sequence_emails_id_fk" FOREIGN KEY ("sequence_email_id") REFERENCES "public"."sequence_emails"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_enrollment_id_sequence_enrollments_id_fk" FOREIGN KEY ("enrollment_id") REFERENCES "public"."sequence_enrollments"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "messages_enrollment_email_key" ON "messages" USING btree ("enrollment_id","sequence_email_id") WHERE "messages"."enrollment_id" is not null;--> statement-breakpoint
CREATE INDEX "messages_sequence_email_idx" ON "messages" USING btree ("sequence_email_id","status") WHERE "messages"."sequence_email_id" is not null;--> statement-breakpoint
CREATE INDEX "messages_sequence_queue_idx" ON "messages" USING btree ("id") WHERE "messages"."sequence_id" is not null and "messages"."status" = 'queued';