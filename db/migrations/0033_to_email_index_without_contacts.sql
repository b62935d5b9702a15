DROP INDEX "messages_to_email_idx";--> statement-breakpoint
CREATE INDEX "messages_to_email_idx" ON "messages" USING btree (lower("to_email")) WHERE "messages"."contact_id" is null;