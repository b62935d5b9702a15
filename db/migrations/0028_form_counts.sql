CREATE TABLE "form_counts" (
	"form_id" uuid NOT NULL,
	"shard" smallint NOT NULL,
	"submissions" integer DEFAULT 0 NOT NULL,
	"confirmed" integer DEFAULT 0 NOT NULL,
	"refused_as_bot" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "form_counts_form_id_shard_pk" PRIMARY KEY("form_id","shard")
);
--> statement-breakpoint
ALTER TABLE "form_counts" ADD CONSTRAINT "form_counts_form_id_forms_id_fk" FOREIGN KEY ("form_id") REFERENCES "public"."forms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- The counts so far move into shard 0 before the form's columns go.
INSERT INTO "form_counts" ("form_id", "shard", "submissions", "confirmed", "refused_as_bot")
SELECT "id", 0, "submissions", "confirmed", "refused_as_bot" FROM "forms"
WHERE "submissions" <> 0 OR "confirmed" <> 0 OR "refused_as_bot" <> 0;--> statement-breakpoint
ALTER TABLE "forms" DROP COLUMN "submissions";--> statement-breakpoint
ALTER TABLE "forms" DROP COLUMN "confirmed";--> statement-breakpoint
ALTER TABLE "forms" DROP COLUMN "refused_as_bot";