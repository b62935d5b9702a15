-- message_events partitioned by month of received_at (issue 19), written by hand: drizzle-kit knows
-- nothing of partitioning (db/schema/messages.ts describes the parent only).
--   message_events      extracted fields, kept forever; PRIMARY KEY (id, received_at)
--   message_event_raw   Postmark's raw JSON, same months; a month past the retention is detached and dropped
--   message_event_keys  the de-duplication (event_key unique across every partition), not partitioned
-- The existing table is converted in this transaction: renamed aside, its rows copied by one
-- INSERT ... SELECT per table into partitions created for every month it holds (plus this month,
-- the next two and a default one), indexes and constraints built after the copy, then dropped.
-- lib/events/partitions.ts creates the months ahead from then on (reconcile cron, server start).
ALTER TABLE "message_events" RENAME TO "message_events_unpartitioned";--> statement-breakpoint
ALTER TABLE "message_events_unpartitioned" DROP CONSTRAINT "message_events_pkey";--> statement-breakpoint
ALTER TABLE "message_events_unpartitioned" DROP CONSTRAINT "message_events_eventKey_unique";--> statement-breakpoint
ALTER TABLE "message_events_unpartitioned" DROP CONSTRAINT "message_events_message_id_messages_id_fk";--> statement-breakpoint
DROP INDEX "message_events_message_idx";--> statement-breakpoint
DROP INDEX "message_events_orphan_idx";--> statement-breakpoint
DROP INDEX "message_events_received_idx";--> statement-breakpoint
ALTER SEQUENCE "message_events_id_seq" OWNED BY NONE;--> statement-breakpoint
CREATE TABLE "message_events" (
	"id" bigint DEFAULT nextval('message_events_id_seq'::regclass) NOT NULL,
	"event_key" text NOT NULL,
	"message_id" uuid,
	"postmark_message_id" text,
	"record_type" text NOT NULL,
	"recipient" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"source" "event_source" DEFAULT 'webhook' NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"engagement_class" "engagement_class",
	"engagement_reasons" text[],
	"engagement_rules_version" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
) PARTITION BY RANGE ("received_at");--> statement-breakpoint
ALTER SEQUENCE "message_events_id_seq" OWNED BY "message_events"."id";--> statement-breakpoint
CREATE TABLE "message_event_raw" (
	"event_id" bigint NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"raw" jsonb NOT NULL
) PARTITION BY RANGE ("received_at");--> statement-breakpoint
CREATE TABLE "message_event_keys" (
	"event_key" text NOT NULL
);--> statement-breakpoint
DO $$
DECLARE
  m timestamptz;
BEGIN
  FOR m IN
    SELECT DISTINCT date_trunc('month', received_at, 'UTC') FROM message_events_unpartitioned
    UNION
    SELECT date_trunc('month', now(), 'UTC') + make_interval(months => k) FROM generate_series(0, 2) k
  LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF message_events FOR VALUES FROM (%L) TO (%L)',
                   'message_events_' || to_char(m AT TIME ZONE 'UTC', 'YYYY_MM'), m, m + interval '1 month');
    EXECUTE format('CREATE TABLE %I PARTITION OF message_event_raw FOR VALUES FROM (%L) TO (%L)',
                   'message_event_raw_' || to_char(m AT TIME ZONE 'UTC', 'YYYY_MM'), m, m + interval '1 month');
  END LOOP;
END $$;--> statement-breakpoint
CREATE TABLE "message_events_default" PARTITION OF "message_events" DEFAULT;--> statement-breakpoint
CREATE TABLE "message_event_raw_default" PARTITION OF "message_event_raw" DEFAULT;--> statement-breakpoint
INSERT INTO "message_events" ("id", "event_key", "message_id", "postmark_message_id", "record_type", "recipient", "occurred_at", "source",
                              "details", "engagement_class", "engagement_reasons", "engagement_rules_version", "received_at")
  SELECT "id", "event_key", "message_id", "postmark_message_id", "record_type", "recipient", "occurred_at", "source",
         "details", "engagement_class", "engagement_reasons", "engagement_rules_version", "received_at"
  FROM "message_events_unpartitioned";--> statement-breakpoint
INSERT INTO "message_event_raw" ("event_id", "received_at", "raw") SELECT "id", "received_at", "raw" FROM "message_events_unpartitioned";--> statement-breakpoint
INSERT INTO "message_event_keys" ("event_key") SELECT "event_key" FROM "message_events_unpartitioned";--> statement-breakpoint
DROP TABLE "message_events_unpartitioned";--> statement-breakpoint
ALTER TABLE "message_events" ADD CONSTRAINT "message_events_id_received_at_pk" PRIMARY KEY("id","received_at");--> statement-breakpoint
ALTER TABLE "message_event_raw" ADD CONSTRAINT "message_event_raw_event_id_received_at_pk" PRIMARY KEY("event_id","received_at");--> statement-breakpoint
ALTER TABLE "message_event_keys" ADD CONSTRAINT "message_event_keys_pkey" PRIMARY KEY("event_key");--> statement-breakpoint
CREATE INDEX "message_events_message_idx" ON "message_events" USING btree ("message_id","occurred_at");--> statement-breakpoint
CREATE INDEX "message_events_orphan_idx" ON "message_events" USING btree ("postmark_message_id") WHERE "message_events"."message_id" is null;--> statement-breakpoint
CREATE INDEX "message_events_received_idx" ON "message_events" USING btree ("received_at","id");--> statement-breakpoint
ALTER TABLE "message_events" ADD CONSTRAINT "message_events_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- The triggers on message_events (db/functions) went with the old table: have the runner create them
-- again on this one, whatever it recorded (a fresh install has no such table yet).
DO $$
BEGIN
  IF to_regclass('drizzle.postline_repeatable_sql') IS NOT NULL THEN
    DELETE FROM drizzle.postline_repeatable_sql WHERE on_table = 'message_events';
  END IF;
END $$;--> statement-breakpoint
ANALYZE "message_events", "message_event_raw", "message_event_keys";
