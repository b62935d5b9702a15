CREATE TYPE "public"."breaker_level" AS ENUM('alert', 'pause');--> statement-breakpoint
CREATE TYPE "public"."breaker_reason" AS ENUM('complaint_rate', 'hard_bounce_rate');--> statement-breakpoint
CREATE TABLE "breaker_trips" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"campaign_id" uuid,
	"sequence_id" uuid,
	"reason" "breaker_reason" NOT NULL,
	"level" "breaker_level" NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"delivered" integer NOT NULL,
	"complaints" integer NOT NULL,
	"hard_bounces" integer NOT NULL,
	"rate" double precision NOT NULL,
	"threshold" double precision NOT NULL,
	"tripped_at" timestamp with time zone NOT NULL,
	"resumed_at" timestamp with time zone,
	"resumed_by_id" uuid,
	CONSTRAINT "breaker_trips_one_owner" CHECK (("breaker_trips"."campaign_id" is null) <> ("breaker_trips"."sequence_id" is null))
);
--> statement-breakpoint
CREATE TABLE "sequence_outcome_counters" (
	"sequence_id" uuid NOT NULL,
	"shard" smallint NOT NULL,
	"delivered" integer DEFAULT 0 NOT NULL,
	"hard_bounced" integer DEFAULT 0 NOT NULL,
	"spam_complaints" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "sequence_outcome_counters_sequence_id_shard_pk" PRIMARY KEY("sequence_id","shard")
);
--> statement-breakpoint
ALTER TABLE "campaign_event_counters" ADD COLUMN "hard_bounced" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "breaker_base_delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "breaker_base_complaints" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "breaker_base_hard_bounces" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sequences" ADD COLUMN "breaker_base_delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sequences" ADD COLUMN "breaker_base_complaints" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sequences" ADD COLUMN "breaker_base_hard_bounces" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "breaker_trips" ADD CONSTRAINT "breaker_trips_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "breaker_trips" ADD CONSTRAINT "breaker_trips_sequence_id_sequences_id_fk" FOREIGN KEY ("sequence_id") REFERENCES "public"."sequences"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "breaker_trips" ADD CONSTRAINT "breaker_trips_resumed_by_id_users_id_fk" FOREIGN KEY ("resumed_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sequence_outcome_counters" ADD CONSTRAINT "sequence_outcome_counters_sequence_id_sequences_id_fk" FOREIGN KEY ("sequence_id") REFERENCES "public"."sequences"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "breaker_trips_open_campaign_key" ON "breaker_trips" USING btree ("campaign_id","reason","level") WHERE "breaker_trips"."resumed_at" is null and "breaker_trips"."campaign_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "breaker_trips_open_sequence_key" ON "breaker_trips" USING btree ("sequence_id","reason","level") WHERE "breaker_trips"."resumed_at" is null and "breaker_trips"."sequence_id" is not null;--> statement-breakpoint
CREATE INDEX "breaker_trips_tripped_idx" ON "breaker_trips" USING btree ("tripped_at");--> statement-breakpoint
-- Backfill (data, not schema): the hard bounces already counted as bounced, and the outcomes of sequence
-- mail sent before these counters existed. A bounce is hard when Postmark deactivated the address
-- (lib/ingest/extract.ts: SUPPRESSING, or Inactive). Bounced and sequence messages are a small part of
-- the messages table; its status and sequence indexes find them.
WITH hard AS (
  SELECT m.campaign_id, m.sequence_id, (('x' || left(m.id::text, 8))::bit(32)::bigint % 16)::int AS shard
  FROM messages m
  WHERE m.status = 'bounced'
    AND EXISTS (SELECT 1 FROM message_events e WHERE e.message_id = m.id AND e.record_type = 'Bounce'
                  AND (e.details->>'type' IN ('HardBounce', 'BadEmailAddress', 'ManuallyDeactivated', 'SpamComplaint', 'Blocked')
                       OR e.details->>'inactive' = 'true'))
)
UPDATE campaign_event_counters c SET hard_bounced = h.n
FROM (SELECT campaign_id, shard, count(*)::int AS n FROM hard WHERE campaign_id IS NOT NULL GROUP BY 1, 2) h
WHERE c.campaign_id = h.campaign_id AND c.shard = h.shard;--> statement-breakpoint
INSERT INTO sequence_outcome_counters (sequence_id, shard, delivered, hard_bounced, spam_complaints)
SELECT m.sequence_id, (('x' || left(m.id::text, 8))::bit(32)::bigint % 16)::int,
       count(*) FILTER (WHERE m.delivered_at IS NOT NULL OR m.first_opened_at IS NOT NULL OR m.first_clicked_at IS NOT NULL),
       count(*) FILTER (WHERE m.status = 'bounced' AND EXISTS (
         SELECT 1 FROM message_events e WHERE e.message_id = m.id AND e.record_type = 'Bounce'
           AND (e.details->>'type' IN ('HardBounce', 'BadEmailAddress', 'ManuallyDeactivated', 'SpamComplaint', 'Blocked')
                OR e.details->>'inactive' = 'true'))),
       count(*) FILTER (WHERE m.status = 'spam_complaint')
FROM messages m
WHERE m.sequence_id IS NOT NULL
GROUP BY 1, 2;
