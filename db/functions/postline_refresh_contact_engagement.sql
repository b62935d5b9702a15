-- Recomputes contact_engagement (db/schema/contacts.ts) for the given contacts from their campaign
-- messages: the first send, the latest first human open, the latest first human click. Called by
-- postline_apply_events for the contacts whose messages' first human open or click it just changed.
--
-- Recomputed, never folded in with greatest(): a message's first human open only moves earlier (an
-- out-of-order event, a re-classification), and the contact's latest can then move earlier too.
-- Exact under concurrency: the rows are locked in contact order first, and the recompute is a later
-- statement whose snapshot sees every transaction that held those locks before it (READ COMMITTED),
-- so two batches changing two messages of one contact cannot leave either's change out.
CREATE OR REPLACE FUNCTION postline_refresh_contact_engagement(contact_ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF contact_ids IS NULL OR cardinality(contact_ids) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO contact_engagement (contact_id)
  SELECT DISTINCT c.id FROM contacts c WHERE c.id = ANY (contact_ids) ORDER BY c.id
  ON CONFLICT (contact_id) DO NOTHING;
  PERFORM 1 FROM contact_engagement WHERE contact_id = ANY (contact_ids) ORDER BY contact_id FOR UPDATE;
  UPDATE contact_engagement e SET sent_at = r.sent_at, human_opened_at = r.human_opened_at, human_clicked_at = r.human_clicked_at
  FROM (
    SELECT x.id,
           (SELECT min(m.sent_at) FROM messages m WHERE m.contact_id = x.id AND m.campaign_id IS NOT NULL) AS sent_at,
           (SELECT max(m.first_human_opened_at) FROM messages m WHERE m.contact_id = x.id AND m.campaign_id IS NOT NULL) AS human_opened_at,
           (SELECT max(m.first_human_clicked_at) FROM messages m WHERE m.contact_id = x.id AND m.campaign_id IS NOT NULL) AS human_clicked_at
    FROM (SELECT DISTINCT unnest(contact_ids) AS id) x
  ) r
  WHERE e.contact_id = r.id
    AND (e.sent_at, e.human_opened_at, e.human_clicked_at) IS DISTINCT FROM (r.sent_at, r.human_opened_at, r.human_clicked_at);
END;
$$;
