CREATE TABLE "contact_engagement" (
	"contact_id" uuid PRIMARY KEY NOT NULL,
	"sent_at" timestamp with time zone,
	"human_opened_at" timestamp with time zone,
	"human_clicked_at" timestamp with time zone
);
--> statement-breakpoint
-- Filled from the messages already there (campaign messages only); from now on kept by the sending
-- and ingestion statements (db/schema/contacts.ts, contactEngagement).
INSERT INTO "contact_engagement" ("contact_id", "sent_at", "human_opened_at", "human_clicked_at")
SELECT "contact_id", min("sent_at"), max("first_human_opened_at"), max("first_human_clicked_at")
FROM "messages"
WHERE "campaign_id" IS NOT NULL AND "contact_id" IS NOT NULL
GROUP BY "contact_id"
HAVING min("sent_at") IS NOT NULL OR max("first_human_opened_at") IS NOT NULL OR max("first_human_clicked_at") IS NOT NULL;
--> statement-breakpoint
ALTER TABLE "contact_engagement" ADD CONSTRAINT "contact_engagement_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contact_engagement_opened_idx" ON "contact_engagement" USING btree ("human_opened_at","contact_id");--> statement-breakpoint
CREATE INDEX "contact_engagement_clicked_idx" ON "contact_engagement" USING btree ("human_clicked_at","contact_id");--> statement-breakpoint
CREATE INDEX "contact_engagement_never_opened_idx" ON "contact_engagement" USING btree ("contact_id") WHERE "contact_engagement"."sent_at" is not null and "contact_engagement"."human_opened_at" is null;--> statement-breakpoint
ANALYZE "contact_engagement";--> statement-breakpoint
CREATE TABLE "contact_field_values" (
	"contact_id" uuid NOT NULL,
	"name" text NOT NULL,
	"num" numeric,
	"day" text,
	CONSTRAINT "contact_field_values_contact_id_name_pk" PRIMARY KEY("contact_id","name")
);
--> statement-breakpoint
-- Filled from contacts.fields; from now on kept by the triggers in db/functions (contacts_field_values_*).
-- The patterns are lib/segments/compile.ts's NUMBER_PATTERN and DATE_PATTERN.
INSERT INTO "contact_field_values" ("contact_id", "name", "num", "day")
SELECT id, name, num, day FROM (
  SELECT c.id, f.key AS name,
         CASE WHEN length(f.value) <= 60 AND f.value ~ '^\s*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,3})?\s*$' THEN f.value::numeric END AS num,
         CASE WHEN f.value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN left(f.value, 10) END AS day
  FROM "contacts" c, jsonb_each_text(c.fields) f) v
WHERE num IS NOT NULL OR day IS NOT NULL;
--> statement-breakpoint
ALTER TABLE "contact_field_values" ADD CONSTRAINT "contact_field_values_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contact_field_values_num_idx" ON "contact_field_values" USING btree ("name","num","contact_id") WHERE "contact_field_values"."num" is not null;--> statement-breakpoint
CREATE INDEX "contact_field_values_day_idx" ON "contact_field_values" USING btree ("name","day" collate "C","contact_id") WHERE "contact_field_values"."day" is not null;--> statement-breakpoint
ANALYZE "contact_field_values";