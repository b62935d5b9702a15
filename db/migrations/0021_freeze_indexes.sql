-- Freezing an audience writes one queued message per recipient with no batch and no Postmark
-- MessageID yet: the two indexes on those columns hold only the rows that have one (issue 16 item 5).
-- The new unique index is built before the old constraint goes, so uniqueness never lapses.
CREATE UNIQUE INDEX "messages_postmark_message_id_key" ON "messages" USING btree ("postmark_message_id") WHERE "messages"."postmark_message_id" is not null;--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_postmarkMessageId_unique";--> statement-breakpoint
DROP INDEX "messages_batch_idx";--> statement-breakpoint
CREATE INDEX "messages_batch_idx" ON "messages" USING btree ("batch_id") WHERE "messages"."batch_id" is not null;
