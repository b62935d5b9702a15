ALTER TABLE "messages" ADD COLUMN "track_opens" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "track_links" boolean DEFAULT true NOT NULL;