-- A form submission's writes (lib/forms/signups.ts submitForm) in one round trip: a signup is the
-- hottest public write (a rush of signups from a launch), and each statement a post costs is a wake-up
-- of a backend and a socket write on both sides. Atomic as one statement when called alone; the
-- single opt-in path calls it inside its own transaction and confirms after it.
--
-- An address erased after it bounced or complained gets no contact and nothing is written. A new
-- address becomes a `pending` contact (inserted, and so locked, here); a known one is locked and keeps
-- its status and details until it confirms; a bounced or complained contact is left alone. Otherwise
-- the confirmation email (when given) and the signup (the consent record) are written, and the form's
-- count moves last, in the shard of this connection (db/schema/forms.ts formCounts), so signups on
-- other connections never wait for it.
--
-- signup: {form_id, signup_id, email, name, fields, status_reason, submitted_at, submitted_ip,
--          submitted_user_agent, shown_text, values, expires_at, and optionally:
--          form_version: the form's updated_at in epoch milliseconds as the caller read it (perhaps from
--            its cache): when the form was edited or archived since, nothing is written;
--          limits: [{key, window_ms, limit}]: rate limits counted first (postline_hit_rate_limits), in
--            this statement's transaction; when any is over its limit, nothing else is written}
-- confirmation (or null): the single email's row as lib/sending/single-email.ts singleEmailRow makes
--   it: {id, fromEmail, subject, messageStream, tag, metadata, htmlBody, textBody, trackOpens,
--   trackLinks}; its recipient is the contact (its address as stored).
-- Answers {outcome: "suppressed" | "conflict" | "written", contact_id, status (before this signup)},
-- {outcome: "stale_form"}, or {outcome: "limited", hits: [{key, count, window_start}]}.
-- Generic plans (plan_cache_mode), as in postline_ingest_events: every statement here finds its rows by
-- key, so one plan per connection fits every signup, and planning each statement for each post was a
-- measurable part of a post's time (bench:audience forms, 300/s: p99 460 -> 280-353 ms while sending).
CREATE OR REPLACE FUNCTION postline_form_signup(signup jsonb, confirmation jsonb) RETURNS jsonb
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  at timestamptz := (signup->>'submitted_at')::timestamptz;
  c_id uuid;
  c_email text;
  c_status contact_status;
  hits jsonb;
  is_limited boolean;
BEGIN
  IF signup ? 'form_version' AND NOT EXISTS (
       SELECT 1 FROM forms WHERE id = (signup->>'form_id')::uuid AND archived_at IS NULL
         AND abs(extract(epoch FROM updated_at) * 1000 - (signup->>'form_version')::numeric) < 1) THEN
    RETURN jsonb_build_object('outcome', 'stale_form');
  END IF;
  IF signup ? 'limits' THEN
    SELECT jsonb_agg(jsonb_build_object('key', h.key, 'count', h.count, 'window_start', h.window_start)), bool_or(h.count > l."limit")
      INTO hits, is_limited
      FROM postline_hit_rate_limits(signup->'limits', at) h
      JOIN jsonb_to_recordset(signup->'limits') AS l(key text, "limit" integer) ON l.key = h.key;
    IF is_limited THEN
      RETURN jsonb_build_object('outcome', 'limited', 'hits', hits);
    END IF;
  END IF;

  IF EXISTS (SELECT 1 FROM suppressed_addresses
             WHERE address_hash = postline_address_hash(signup->>'email') AND status IN ('bounced', 'complained')) THEN
    RETURN jsonb_build_object('outcome', 'suppressed');
  END IF;

  INSERT INTO contacts (email, name, fields, status, status_reason, status_changed_at, created_at, updated_at)
  VALUES (signup->>'email', coalesce(signup->>'name', ''), coalesce(signup->'fields', '{}'::jsonb), 'pending',
          signup->>'status_reason', at, at, at)
  ON CONFLICT DO NOTHING
  RETURNING id, email, status INTO c_id, c_email, c_status;
  IF c_id IS NULL THEN
    SELECT id, email, status INTO c_id, c_email, c_status FROM contacts
    WHERE lower(email) = lower(signup->>'email') FOR UPDATE;
    -- Erased between the insert and the lock: the caller asks the person to submit again.
    IF c_id IS NULL THEN
      RETURN jsonb_build_object('outcome', 'conflict');
    END IF;
  END IF;
  IF c_status IN ('bounced', 'complained') THEN
    RETURN jsonb_build_object('outcome', 'suppressed', 'contact_id', c_id, 'status', c_status);
  END IF;

  IF confirmation IS NOT NULL THEN
    INSERT INTO messages (id, kind, contact_id, to_email, from_email, subject, message_stream, tag, metadata,
                          html_body, text_body, track_opens, track_links, created_at, updated_at)
    VALUES ((confirmation->>'id')::uuid, 'single', c_id, c_email, confirmation->>'fromEmail', confirmation->>'subject',
            confirmation->>'messageStream', confirmation->>'tag', coalesce(confirmation->'metadata', '{}'::jsonb),
            confirmation->>'htmlBody', confirmation->>'textBody', (confirmation->>'trackOpens')::boolean,
            (confirmation->>'trackLinks')::boolean, at, at);
  END IF;

  INSERT INTO form_signups (id, form_id, contact_id, submitted_at, submitted_ip, submitted_user_agent, shown_text,
                            "values", expires_at, message_id)
  VALUES ((signup->>'signup_id')::uuid, (signup->>'form_id')::uuid, c_id, at, signup->>'submitted_ip',
          signup->>'submitted_user_agent', signup->>'shown_text', signup->'values',
          (signup->>'expires_at')::timestamptz, (confirmation->>'id')::uuid);

  INSERT INTO form_counts (form_id, shard, submissions) VALUES ((signup->>'form_id')::uuid, pg_backend_pid() % 16, 1)
  ON CONFLICT (form_id, shard) DO UPDATE SET submissions = form_counts.submissions + 1;
  RETURN jsonb_build_object('outcome', 'written', 'contact_id', c_id, 'status', c_status);
END
$$;
