-- Stores a batch of Postmark events and applies them, as one statement (so, in autocommit, one
-- transaction): the MessageIDs locked (shared, see postline_lock_postmark_ids), then their messages in
-- id order; events inserted in batch order, a key already stored
-- (or earlier in the batch) is a duplicate; contact suppressions and reactivations, oldest first,
-- addresses in sorted order; then postline_apply_events for those that belong to a message.
--
-- items: [{ord, event_key, pm, record_type, recipient, occurred_at, source, raw (text), details,
--          kind, implied, link, contact_status, contact_reason,
--          engagement_class, engagement_reasons, engagement_rules_version, human}]
-- message_states: [{pm, message_id, version, after}]: each MessageID whose opens and clicks the batch
--   classified (lib/ingest/engagement.ts), with the message's updated_at as it was read without a lock
--   (null: no such message then) and its classifier state as the batch leaves it. Under the row lock, a
--   message whose updated_at is no longer `version` (any write since, or a message that appeared)
--   fails the statement with a serialization error (40001): the caller reads and classifies again.
-- returns {stored: [{ord, event_id}], messages: {pm: message_id}}
--
-- Ingestion's writes, called by lib/ingest/ingest.ts, which extracts each event (key, effect, implied
-- status, contact effect): one statement per batch, so one round trip and plans cached per connection.
-- Here and in postline_apply_events, messages are always reached through `= ANY (array)` on an
-- indexed column, never by joining a set returned by a jsonb function: without fresh statistics (a new
-- install, a table that just grew) the planner takes messages for small and hash-joins it with a
-- sequential scan, and plpgsql keeps that plan for the connection's life (seen: p99 116-279 ms instead
-- of 62 ms at 1,000 events/s).
--
-- Generic plans (plan_cache_mode, set for this call and the functions it calls): plpgsql plans each
-- statement for its parameters on the first five calls of a connection, then keeps planning it anew
-- whenever the generic plan is not estimated cheaper, which for these jsonb-fed statements was every
-- call. Planning was then about a third of PostgreSQL's time per batch (bench:ingest, 2026-11-26: 0.51
-- -> 0.38 ms of CPU per event). The rule above, messages only through `= ANY (array)` on an indexed
-- column, is what makes one plan right for every batch; a plan made while a table was young is made
-- again once (auto)analyze updates the table's statistics, which invalidates cached plans. A new
-- month's message_events partition can go minutes without one, so the one statement here that reads
-- message_events has a guard of its own (postline_add_link_clicks).
DROP FUNCTION IF EXISTS postline_ingest_events(jsonb);
CREATE OR REPLACE FUNCTION postline_ingest_events(items jsonb, message_states jsonb) RETURNS jsonb
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  stored jsonb;
  known jsonb;
  versions jsonb;
  r record;
  pms text[] := ARRAY(SELECT DISTINCT e->>'pm' FROM jsonb_array_elements(items) e WHERE e->>'pm' IS NOT NULL);
BEGIN
  PERFORM postline_lock_postmark_ids(pms, false);

  -- The messages locked in id order, and their updated_at as they are now, for the check below. The
  -- check compares against what this statement read. It used to join the states to messages, and a
  -- plan made while the table was small joins them to a sequential scan of it (seen in the tests'
  -- database), kept for the connection's life: 10.6 ms a batch in bench:engagement, 2026-11-27.
  SELECT coalesce(jsonb_object_agg(l.postmark_message_id, l.updated_at), '{}'::jsonb) INTO versions
  FROM (SELECT postmark_message_id, updated_at FROM messages WHERE postmark_message_id = ANY (pms) ORDER BY id FOR UPDATE) l;

  IF EXISTS (
       SELECT 1 FROM jsonb_to_recordset(coalesce(message_states, '[]'::jsonb)) AS g(pm text, version timestamptz)
       WHERE (versions->>g.pm)::timestamptz IS DISTINCT FROM g.version)
  THEN
    RAISE EXCEPTION 'engagement of a message changed while its events were classified' USING ERRCODE = '40001';
  END IF;

  WITH src AS (
    SELECT v.*, m.id AS message_id, m.erased
    FROM jsonb_to_recordset(items) AS v(ord int, event_key text, pm text, record_type text, recipient text, occurred_at timestamptz,
                                        source text, raw text, details jsonb, kind text, implied text, link text,
                                        contact_status text, contact_reason text,
                                        engagement_class text, engagement_reasons text[], engagement_rules_version text, human boolean)
    LEFT JOIN (SELECT id, postmark_message_id, to_email = '(erased)' AS erased FROM messages WHERE postmark_message_id = ANY (pms)) m ON m.postmark_message_id = v.pm
  ),
  firsts AS (
    SELECT DISTINCT ON (event_key) * FROM src ORDER BY event_key, ord
  ),
  -- The de-duplication: message_events is partitioned by received_at, which a retried delivery does
  -- not share, so its keys are unique in a table of their own (db/schema/messages.ts).
  fresh AS (
    INSERT INTO message_event_keys (event_key)
    SELECT event_key FROM src ORDER BY ord
    ON CONFLICT (event_key) DO NOTHING
    RETURNING event_key
  ),
  ins AS (
    INSERT INTO message_events (event_key, message_id, postmark_message_id, record_type, recipient, occurred_at, source, details,
                                engagement_class, engagement_reasons, engagement_rules_version)
    -- An event of an erased message (lib/contacts/erase.ts: to_email '(erased)'), such as a late open,
    -- is stored as erasure left the others: no recipient, no raw payload, only anonymous details.
    SELECT f.event_key, f.message_id, f.pm, f.record_type,
           CASE WHEN f.erased THEN NULL ELSE f.recipient END,
           f.occurred_at, f.source::event_source,
           CASE WHEN f.erased THEN postline_erased_event_details(f.details) ELSE f.details END,
           f.engagement_class::engagement_class, f.engagement_reasons, f.engagement_rules_version
    FROM firsts f JOIN fresh USING (event_key)
    ORDER BY f.ord
    RETURNING id, event_key, received_at
  ),
  raws AS (
    INSERT INTO message_event_raw (event_id, received_at, raw)
    SELECT i.id, i.received_at,
           CASE WHEN f.erased THEN jsonb_build_object('RecordType', f.record_type, 'MessageID', f.pm, 'Erased', true) ELSE f.raw::jsonb END
    FROM ins i JOIN firsts f ON f.event_key = i.event_key
  )
  SELECT
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
               'ord', f.ord, 'event_id', i.id, 'message_id', f.message_id, 'kind', f.kind, 'implied', f.implied,
               'occurred_at', f.occurred_at, 'link', f.link, 'details', f.details, 'recipient', f.recipient,
               'contact_status', f.contact_status, 'contact_reason', f.contact_reason,
               'engagement_class', f.engagement_class, 'engagement_reasons', to_jsonb(f.engagement_reasons), 'human', f.human) ORDER BY f.ord), '[]'::jsonb)
     FROM ins i JOIN firsts f ON f.event_key = i.event_key),
    (SELECT coalesce(jsonb_object_agg(k.pm, k.message_id), '{}'::jsonb)
     FROM (SELECT DISTINCT pm, message_id FROM src WHERE message_id IS NOT NULL) k)
  INTO stored, known;

  -- Contact effects apply oldest first, and none overrides a status set later than its event
  -- (status_changed_at). A reactivation in Postmark (SubscriptionChange, SuppressSending false) makes
  -- the contact subscribed whatever suppressed it, a bounce, a complaint or an unsubscribe; a contact
  -- already subscribed is left as it is.
  FOR r IN
    SELECT * FROM jsonb_to_recordset(stored) AS x(recipient text, occurred_at timestamptz, contact_status text, contact_reason text)
    WHERE x.contact_status IS NOT NULL
    ORDER BY lower(x.recipient), x.occurred_at
  LOOP
    UPDATE contacts SET status = r.contact_status::contact_status, status_reason = r.contact_reason,
                        status_changed_at = r.occurred_at, updated_at = now()
    WHERE lower(email) = lower(r.recipient)
      AND status <> r.contact_status::contact_status
      AND (status_changed_at IS NULL OR status_changed_at <= r.occurred_at);
  END LOOP;

  PERFORM postline_apply_events((SELECT jsonb_agg(x) FROM jsonb_array_elements(stored) x WHERE x->>'message_id' IS NOT NULL), message_states);

  RETURN jsonb_build_object(
    'stored', (SELECT coalesce(jsonb_agg(jsonb_build_object('ord', x->'ord', 'event_id', x->'event_id')), '[]'::jsonb) FROM jsonb_array_elements(stored) x),
    'messages', known);
END;
$$;
