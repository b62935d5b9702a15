-- The data of every Contact.Unsubscribed outbound payload, built only here, whoever unsubscribed the
-- contact: the recipient through Postmark (ingestion, postline_apply_events), Postline's unsubscribe
-- link, or a marketer (lib/outbound-webhooks/outbox.ts). message_id is null when no message caused it.
CREATE OR REPLACE FUNCTION postline_contact_unsubscribed_data(contact_id uuid, email text, reason text, message_id uuid, at timestamptz) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object('contact_id', contact_id, 'email', email, 'reason', reason, 'message_id', message_id,
                            'unsubscribed_at', postline_iso_time(at))
$$;
