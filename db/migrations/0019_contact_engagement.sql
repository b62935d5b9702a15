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
ANALYZE "contact_engagement";