ALTER TYPE "public"."contact_status" ADD VALUE 'pending';--> statement-breakpoint
CREATE TABLE "form_lists" (
	"form_id" uuid NOT NULL,
	"list_id" uuid NOT NULL,
	CONSTRAINT "form_lists_form_id_list_id_pk" PRIMARY KEY("form_id","list_id")
);
--> statement-breakpoint
CREATE TABLE "form_signups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"form_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"submitted_ip" text NOT NULL,
	"submitted_user_agent" text DEFAULT '' NOT NULL,
	"shown_text" text NOT NULL,
	"values" jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"confirmed_at" timestamp with time zone,
	"confirmed_ip" text,
	"confirmed_user_agent" text,
	"message_id" uuid
);
--> statement-breakpoint
CREATE TABLE "form_tags" (
	"form_id" uuid NOT NULL,
	"tag_id" uuid NOT NULL,
	CONSTRAINT "form_tags_form_id_tag_id_pk" PRIMARY KEY("form_id","tag_id")
);
--> statement-breakpoint
CREATE TABLE "forms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"fields" jsonb NOT NULL,
	"heading" text NOT NULL,
	"intro" text DEFAULT '' NOT NULL,
	"consent_text" text DEFAULT '' NOT NULL,
	"submit_label" text DEFAULT 'Subscribe' NOT NULL,
	"double_opt_in" boolean DEFAULT true NOT NULL,
	"confirmation_subject" text NOT NULL,
	"confirmation_html" text NOT NULL,
	"confirmation_text" text NOT NULL,
	"thank_you_message" text NOT NULL,
	"thank_you_url" text,
	"confirmed_message" text NOT NULL,
	"confirmed_url" text,
	"allowed_origins" text[] DEFAULT '{}'::text[] NOT NULL,
	"submissions" integer DEFAULT 0 NOT NULL,
	"confirmed" integer DEFAULT 0 NOT NULL,
	"refused_as_bot" integer DEFAULT 0 NOT NULL,
	"archived_at" timestamp with time zone,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "form_lists" ADD CONSTRAINT "form_lists_form_id_forms_id_fk" FOREIGN KEY ("form_id") REFERENCES "public"."forms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "form_lists" ADD CONSTRAINT "form_lists_list_id_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "form_signups" ADD CONSTRAINT "form_signups_form_id_forms_id_fk" FOREIGN KEY ("form_id") REFERENCES "public"."forms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "form_signups" ADD CONSTRAINT "form_signups_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "form_tags" ADD CONSTRAINT "form_tags_form_id_forms_id_fk" FOREIGN KEY ("form_id") REFERENCES "public"."forms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "form_tags" ADD CONSTRAINT "form_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forms" ADD CONSTRAINT "forms_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "form_lists_list_idx" ON "form_lists" USING btree ("list_id");--> statement-breakpoint
CREATE INDEX "form_signups_contact_idx" ON "form_signups" USING btree ("contact_id","submitted_at");--> statement-breakpoint
CREATE INDEX "form_signups_form_idx" ON "form_signups" USING btree ("form_id","submitted_at");--> statement-breakpoint
CREATE INDEX "form_signups_unconfirmed_idx" ON "form_signups" USING btree ("expires_at") WHERE "form_signups"."confirmed_at" is null;--> statement-breakpoint
CREATE INDEX "form_tags_tag_idx" ON "form_tags" USING btree ("tag_id");--> statement-breakpoint
CREATE INDEX "forms_created_idx" ON "forms" USING btree ("created_at","id");