-- pg_trgm serves the contacts search index (contacts_search_trgm_idx); a trusted extension since PostgreSQL 13, so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TABLE "contact_erasures" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"contact_id" uuid NOT NULL,
	"erased_by" text NOT NULL,
	"erased_at" timestamp with time zone NOT NULL,
	"suppressed" boolean NOT NULL,
	"messages_erased" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "suppressed_addresses" (
	"address_hash" text PRIMARY KEY NOT NULL,
	"status" "contact_status" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "contact_erasures_erased_at_idx" ON "contact_erasures" USING btree ("erased_at");--> statement-breakpoint
CREATE INDEX "contacts_created_idx" ON "contacts" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "contacts_search_trgm_idx" ON "contacts" USING gin ((lower("email" || ' ' || "name" || ' ' || jsonb_path_query_array("fields", '$.*')::text)) gin_trgm_ops);