-- Applies events already stored in message_events to their messages. Order-independent by
-- construction: timestamps take min/max, counts add, status takes the furthest point reached (a
-- terminal outcome, once reached, is never left; between two terminals in one batch, the first in
-- batch order wins). Campaign totals move by exactly the flags that changed (RETURNING OLD/NEW),
-- summed per counter shard; opens and clicks feed hourly activity and clicks per link; each event
-- is announced through the outbox. Counters, hourly rows and link rows are written last, each in
-- the shard of this connection (pg_backend_pid() mod 16), so concurrent batches of one campaign
-- rarely meet on a row, and when they do the lock is held only until the commit.
--
-- Opens and clicks come classified (lib/ingest/engagement.ts): `human` says the event counts as a
-- person; the message's first human open and click and its classifier state come from `message_states`
-- (the state the batch leaves; first times taken as the earliest of it and what is stored, so order
-- never matters); the classes seen accumulate. When a campaign message's first human open or click
-- moves, its contact's engagement row is recomputed (postline_refresh_contact_engagement). The human and per-class campaign counters move like the
-- others, by what changed.
--
-- items: [{ord, event_id, message_id, kind, implied, occurred_at, link, details, recipient, contact_reason,
--          engagement_class, engagement_reasons, human}]
-- (details as stored in message_events; contact_reason is the reason of an unsubscribe)
-- message_states: [{message_id, after}] (null when the batch has no open or click)
DROP FUNCTION IF EXISTS postline_apply_events(jsonb);
-- Generic plans, as in postline_ingest_events (which sets the same for its call of this one).
CREATE OR REPLACE FUNCTION postline_apply_events(items jsonb, message_states jsonb) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  deltas jsonb;
  sequence_deltas jsonb;
  ids uuid[];
  engaged_contacts uuid[];
  subscribed text[];
BEGIN
  IF items IS NULL OR jsonb_array_length(items) = 0 THEN
    RETURN;
  END IF;
  ids := ARRAY(SELECT DISTINCT (e->>'message_id')::uuid FROM jsonb_array_elements(items) e);

  PERFORM 1 FROM messages WHERE id = ANY (ids) ORDER BY id FOR UPDATE;

  WITH ev AS (
    SELECT * FROM jsonb_to_recordset(items) AS v(ord int, message_id uuid, kind text, implied text, occurred_at timestamptz, engagement_class text, contact_reason text)
  ),
  states AS (
    SELECT * FROM jsonb_to_recordset(coalesce(message_states, '[]'::jsonb)) AS g(message_id uuid, after jsonb)
  ),
  agg AS (
    SELECT message_id,
           min(occurred_at) FILTER (WHERE kind = 'delivered') AS delivered,
           min(occurred_at) FILTER (WHERE kind = 'opened') AS first_open,
           max(occurred_at) FILTER (WHERE kind = 'opened') AS last_open,
           count(*) FILTER (WHERE kind = 'opened') AS opens,
           min(occurred_at) FILTER (WHERE kind = 'clicked') AS first_click,
           max(occurred_at) FILTER (WHERE kind = 'clicked') AS last_click,
           count(*) FILTER (WHERE kind = 'clicked') AS clicks,
           min(occurred_at) FILTER (WHERE implied = 'bounced') AS bounced,
           -- A hard bounce is a bounce that suppresses its contact (contactEffect in lib/ingest/ingest.ts
           -- gives it a contact reason; a soft bounce has none): what the hard-bounce breaker counts.
           bool_or(contact_reason IS NOT NULL) FILTER (WHERE implied = 'bounced') AS hard_bounce,
           min(occurred_at) FILTER (WHERE implied = 'spam_complaint') AS complained,
           min(occurred_at) FILTER (WHERE implied = 'unsubscribed') AS unsubscribed,
           max(occurred_at) AS last_event,
           (array_agg(implied ORDER BY ord) FILTER (WHERE implied IN ('bounced', 'spam_complaint', 'unsubscribed')))[1] AS first_terminal,
           max(CASE implied WHEN 'delivered' THEN 3 WHEN 'opened' THEN 4 WHEN 'clicked' THEN 5 END) AS max_rank,
           coalesce(array_agg(DISTINCT engagement_class) FILTER (WHERE kind = 'opened' AND engagement_class IS NOT NULL), '{}') AS open_cls,
           coalesce(array_agg(DISTINCT engagement_class) FILTER (WHERE kind = 'clicked' AND engagement_class IS NOT NULL), '{}') AS click_cls
    FROM ev
    GROUP BY message_id
  ),
  upd AS (
    UPDATE messages m SET
      delivered_at = least(m.delivered_at, a.delivered),
      first_opened_at = least(m.first_opened_at, a.first_open),
      last_opened_at = greatest(m.last_opened_at, a.last_open),
      open_count = m.open_count + a.opens,
      first_clicked_at = least(m.first_clicked_at, a.first_click),
      last_clicked_at = greatest(m.last_clicked_at, a.last_click),
      click_count = m.click_count + a.clicks,
      bounced_at = least(m.bounced_at, a.bounced),
      complained_at = least(m.complained_at, a.complained),
      unsubscribed_at = least(m.unsubscribed_at, a.unsubscribed),
      last_event_at = greatest(m.last_event_at, a.last_event),
      first_human_opened_at = least(m.first_human_opened_at, (s.after->>'firstHumanOpenAt')::timestamptz),
      first_human_clicked_at = least(m.first_human_clicked_at, (s.after->>'firstHumanClickAt')::timestamptz),
      open_classes = CASE WHEN a.open_cls <@ m.open_classes THEN m.open_classes
                          ELSE ARRAY(SELECT DISTINCT c FROM unnest(m.open_classes || a.open_cls) c ORDER BY c) END,
      click_classes = CASE WHEN a.click_cls <@ m.click_classes THEN m.click_classes
                           ELSE ARRAY(SELECT DISTINCT c FROM unnest(m.click_classes || a.click_cls) c ORDER BY c) END,
      engagement = coalesce(s.after, m.engagement),
      status = CASE
        WHEN m.status IN ('bounced', 'spam_complaint', 'unsubscribed') THEN m.status
        WHEN a.first_terminal IS NOT NULL THEN a.first_terminal::message_status
        WHEN a.max_rank > CASE m.status WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2
                                        WHEN 'delivered' THEN 3 WHEN 'opened' THEN 4 WHEN 'clicked' THEN 5 ELSE -1 END
          THEN (CASE a.max_rank WHEN 3 THEN 'delivered' WHEN 4 THEN 'opened' ELSE 'clicked' END)::message_status
        ELSE m.status
      END,
      updated_at = now()
    FROM agg a LEFT JOIN states s ON s.message_id = a.message_id
    WHERE m.id = ANY (ids) AND m.id = a.message_id
    RETURNING m.id, m.campaign_id, m.sequence_id, coalesce(a.hard_bounce, false) AS hard_bounce,
      -- An open or a click proves delivery even when the Delivery webhook was lost.
      (old.delivered_at IS NOT NULL OR old.first_opened_at IS NOT NULL OR old.first_clicked_at IS NOT NULL) AS was_delivered,
      (new.delivered_at IS NOT NULL OR new.first_opened_at IS NOT NULL OR new.first_clicked_at IS NOT NULL) AS is_delivered,
      old.first_opened_at IS NOT NULL AS was_opened, new.first_opened_at IS NOT NULL AS is_opened,
      old.first_clicked_at IS NOT NULL AS was_clicked, new.first_clicked_at IS NOT NULL AS is_clicked,
      old.status AS old_status, new.status AS new_status, new.contact_id,
      old.first_human_opened_at IS DISTINCT FROM new.first_human_opened_at
        OR old.first_human_clicked_at IS DISTINCT FROM new.first_human_clicked_at AS human_changed,
      old.first_human_opened_at IS NOT NULL AS was_opened_human, new.first_human_opened_at IS NOT NULL AS is_opened_human,
      old.first_human_clicked_at IS NOT NULL AS was_clicked_human, new.first_human_clicked_at IS NOT NULL AS is_clicked_human,
      old.open_classes AS old_open_classes, new.open_classes AS new_open_classes,
      old.click_classes AS old_click_classes, new.click_classes AS new_click_classes
  )
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'campaign_id', campaign_id,
           'message_id', id,
           'delivered', (is_delivered AND NOT was_delivered)::int,
           'opened', (is_opened AND NOT was_opened)::int,
           'clicked', (is_clicked AND NOT was_clicked)::int,
           'bounced', (new_status = 'bounced' AND old_status <> 'bounced')::int,
           'hard_bounced', (new_status = 'bounced' AND old_status <> 'bounced' AND hard_bounce)::int,
           'spam_complaints', (new_status = 'spam_complaint' AND old_status <> 'spam_complaint')::int,
           'unsubscribed', (new_status = 'unsubscribed' AND old_status <> 'unsubscribed')::int,
           'opened_human', (is_opened_human AND NOT was_opened_human)::int,
           'clicked_human', (is_clicked_human AND NOT was_clicked_human)::int,
           'opened_machine_only', (is_opened AND NOT is_opened_human)::int - (was_opened AND NOT was_opened_human)::int,
           'opened_apple_mpp', ('apple_mpp' = ANY (new_open_classes) AND NOT 'apple_mpp' = ANY (old_open_classes))::int,
           'opened_image_proxy', ('image_proxy' = ANY (new_open_classes) AND NOT 'image_proxy' = ANY (old_open_classes))::int,
           'opened_link_scanner', ('link_scanner' = ANY (new_open_classes) AND NOT 'link_scanner' = ANY (old_open_classes))::int,
           'opened_unknown', ('unknown' = ANY (new_open_classes) AND NOT 'unknown' = ANY (old_open_classes))::int,
           'clicked_link_scanner', ('link_scanner' = ANY (new_click_classes) AND NOT 'link_scanner' = ANY (old_click_classes))::int,
           'clicked_unknown', ('unknown' = ANY (new_click_classes) AND NOT 'unknown' = ANY (old_click_classes))::int))
           FILTER (WHERE campaign_id IS NOT NULL), '[]'::jsonb),
         -- Sequence mail: only what the circuit breakers judge (postline_add_sequence_outcome_counts).
         coalesce(jsonb_agg(jsonb_build_object(
           'sequence_id', sequence_id,
           'message_id', id,
           'delivered', (is_delivered AND NOT was_delivered)::int,
           'hard_bounced', (new_status = 'bounced' AND old_status <> 'bounced' AND hard_bounce)::int,
           'spam_complaints', (new_status = 'spam_complaint' AND old_status <> 'spam_complaint')::int))
           FILTER (WHERE sequence_id IS NOT NULL AND ((is_delivered AND NOT was_delivered)
                     OR (new_status IN ('bounced', 'spam_complaint') AND old_status <> new_status))), '[]'::jsonb),
         array_agg(DISTINCT contact_id) FILTER (WHERE human_changed AND contact_id IS NOT NULL AND campaign_id IS NOT NULL)
  INTO deltas, sequence_deltas, engaged_contacts
  FROM upd
  WHERE campaign_id IS NOT NULL OR sequence_id IS NOT NULL;

  -- The contacts whose campaign messages' first human open or click moved: their engagement row
  -- (segments' engagement conditions) is recomputed from the messages as they are now.
  PERFORM postline_refresh_contact_engagement(engaged_contacts);

  -- Each event announced through the outbox. The status it implies names the outbound event (a
  -- delayed bounce, a reactivation or a suppression after a bounce or complaint implies none, and
  -- announces nothing); the payloads are built by postline_email_data and
  -- postline_contact_unsubscribed_data, as for every other producer. Only for the events an active
  -- endpoint subscribes to (postline_enqueue_outbound keeps no others): building a payload joins its
  -- message and costs more than the rest of an event's outbox work, and most installs subscribe to
  -- few events or none.
  subscribed := ARRAY(SELECT DISTINCT e FROM webhook_endpoints, unnest(webhook_endpoints.events) e WHERE status = 'active');
  PERFORM postline_enqueue_outbound((
    SELECT jsonb_agg(jsonb_build_object(
             'event', a.event,
             'occurred_at', a.occurred_at,
             'data', CASE a.event
                       WHEN 'Contact.Unsubscribed' THEN postline_contact_unsubscribed_data(m.contact_id, a.recipient, a.contact_reason, m.id, a.occurred_at)
                       ELSE postline_email_data(a.event, a.occurred_at,
                                                CASE WHEN a.engagement_class IS NULL THEN a.details
                                                     ELSE a.details || jsonb_build_object('engagement', jsonb_build_object('class', a.engagement_class, 'reasons', a.engagement_reasons)) END,
                                                m.id, m.postmark_message_id, m.campaign_id, m.contact_id, m.to_email, m.subject, m.tag)
                     END) ORDER BY a.ord)
    FROM (SELECT v.*, CASE v.implied WHEN 'delivered' THEN 'Email.Delivered' WHEN 'opened' THEN 'Email.Opened'
                                     WHEN 'clicked' THEN 'Email.Clicked' WHEN 'bounced' THEN 'Email.Bounced'
                                     WHEN 'spam_complaint' THEN 'Email.SpamComplaint' WHEN 'unsubscribed' THEN 'Contact.Unsubscribed' END AS event
          FROM jsonb_to_recordset(items) AS v(ord int, message_id uuid, occurred_at timestamptz, implied text, details jsonb, recipient text, contact_reason text,
                                              engagement_class text, engagement_reasons jsonb)) a
    JOIN messages m ON m.id = ANY (ids) AND m.id = a.message_id
    WHERE a.event = ANY (subscribed)))
  WHERE cardinality(subscribed) > 0;

  -- Clicks per link (its own function: see there why), when the batch has any.
  IF jsonb_path_exists(items, '$[*] ? (@.kind == "clicked")') THEN
    PERFORM postline_add_link_clicks(items, ids);
  END IF;

  PERFORM postline_add_outcome_counts(deltas);
  IF jsonb_array_length(sequence_deltas) > 0 THEN
    PERFORM postline_add_sequence_outcome_counts(sequence_deltas);
  END IF;

  -- Opens and clicks per hour (UTC), never recounted, in the shard of this connection (as the
  -- counters: concurrent batches of a campaign would otherwise all wait on the hour's one row).
  INSERT INTO campaign_hourly_activity (campaign_id, hour, shard, opens, clicks, human_opens, human_clicks)
  SELECT m.campaign_id, date_trunc('hour', v.occurred_at, 'UTC'), pg_backend_pid() % 16,
         count(*) FILTER (WHERE v.kind = 'opened'), count(*) FILTER (WHERE v.kind = 'clicked'),
         count(*) FILTER (WHERE v.kind = 'opened' AND v.human), count(*) FILTER (WHERE v.kind = 'clicked' AND v.human)
  FROM jsonb_to_recordset(items) AS v(message_id uuid, kind text, occurred_at timestamptz, human boolean)
  JOIN messages m ON m.id = ANY (ids) AND m.id = v.message_id
  WHERE v.kind IN ('opened', 'clicked') AND m.campaign_id IS NOT NULL
  GROUP BY 1, 2
  ORDER BY 1, 2
  ON CONFLICT (campaign_id, hour, shard) DO UPDATE
    SET opens = campaign_hourly_activity.opens + excluded.opens, clicks = campaign_hourly_activity.clicks + excluded.clicks,
        human_opens = campaign_hourly_activity.human_opens + excluded.human_opens,
        human_clicks = campaign_hourly_activity.human_clicks + excluded.human_clicks;
END;
$$;
