ALTER TABLE "send_batches" ADD COLUMN "message_ids" uuid[];--> statement-breakpoint
-- Batches in flight keep their messages: listed on the batch, and the messages themselves `queued` with
-- their batch_id, which is what "in flight" means from now on (a claim no longer sets `sending`).
UPDATE "send_batches" b SET "message_ids" = ARRAY(SELECT m."id" FROM "messages" m WHERE m."batch_id" = b."id" AND m."status" = 'sending')
WHERE b."status" IN ('in_flight', 'uncertain');--> statement-breakpoint
UPDATE "messages" SET "status" = 'queued' WHERE "status" = 'sending';--> statement-breakpoint
DROP INDEX "messages_batch_idx";--> statement-breakpoint
-- Room on each page for a claim to rewrite its rows in place (HOT); pages written from now on.
ALTER TABLE "messages" SET (fillfactor = 85);
