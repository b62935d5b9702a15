-- Freezing an audience in chunks of contact ids, each its own transaction (issue 16 item 5,
-- lib/campaigns/freeze.ts): campaigns.freezing until every chunk is done; the chunks' progress.
CREATE TABLE "campaign_freeze_chunks" (
	"campaign_id" uuid NOT NULL,
	"chunk" smallint NOT NULL,
	"done" boolean DEFAULT false NOT NULL,
	"recipients" integer DEFAULT 0 NOT NULL,
	"suppressed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_freeze_chunks_campaign_id_chunk_pk" PRIMARY KEY("campaign_id","chunk")
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "freezing" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_freeze_chunks" ADD CONSTRAINT "campaign_freeze_chunks_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;