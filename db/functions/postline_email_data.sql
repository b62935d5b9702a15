-- The data of every Email.* outbound payload, built only here: the message's part (its ids,
-- recipient, subject, tag) and the event's own (when it happened, and what Postmark said about it,
-- read from the event's details as lib/ingest/extract.ts stores them). Opens and clicks carry
-- `machine: {class, reasons}`, the classifier's verdict (postline_apply_events adds it to details as
-- `engagement`; null for an event stored before classification). Ingestion
-- (postline_apply_events) and dispatch's Email.Sent (lib/outbound-webhooks/outbox.ts) both call it.
--
-- The message comes column by column: a whole-row argument would detoast its HTML and text bodies.
-- A plain SQL expression, so the planner inlines it into the caller's statement. An event not listed
-- here yields null data, which the outbox refuses (webhook_events.data is not null).
CREATE OR REPLACE FUNCTION postline_email_data(
  event text, at timestamptz, details jsonb,
  message_id uuid, postmark_message_id text, campaign_id uuid, contact_id uuid, recipient text, subject text, tag text
) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object('message_id', message_id, 'postmark_message_id', postmark_message_id, 'campaign_id', campaign_id,
                            'contact_id', contact_id, 'recipient', recipient, 'subject', subject, 'tag', tag)
         || CASE event
              WHEN 'Email.Sent' THEN jsonb_build_object('sent_at', postline_iso_time(at))
              WHEN 'Email.Delivered' THEN jsonb_build_object('delivered_at', postline_iso_time(at), 'details', details->'details')
              WHEN 'Email.Opened' THEN jsonb_build_object('opened_at', postline_iso_time(at), 'first_open', details->'firstOpen',
                                                          'platform', details->'platform', 'client', details->'client',
                                                          'machine', details->'engagement')
              WHEN 'Email.Clicked' THEN jsonb_build_object('clicked_at', postline_iso_time(at), 'link', details->'link', 'platform', details->'platform',
                                                           'machine', details->'engagement')
              WHEN 'Email.Bounced' THEN jsonb_build_object('bounced_at', postline_iso_time(at), 'type', details->'type',
                                                           'description', details->'description', 'inactive', details->'inactive')
              WHEN 'Email.SpamComplaint' THEN jsonb_build_object('complained_at', postline_iso_time(at))
            END
$$;
