-- A contact that stops being subscribed (unsubscribed, bounced, complained; whatever reported it)
-- leaves every sequence at once, with its new status as the reason. The engine checks again before
-- each send, so this is what the enrollments pages show, not the only guard.
CREATE OR REPLACE FUNCTION postline_sequences_contact_status() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  -- Cheap in the usual case (an import or an edit that leaves everyone subscribed): no join of the
  -- statement's rows unless one of them is not subscribed and someone is enrolled somewhere.
  IF NOT EXISTS (SELECT 1 FROM new_rows WHERE status <> 'subscribed')
     OR NOT EXISTS (SELECT 1 FROM sequence_enrollments WHERE status = 'active') THEN
    RETURN NULL;
  END IF;
  FOR r IN
    SELECT n.status::text AS reason, array_agg(e.id) AS ids
    FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    JOIN sequence_enrollments e ON e.contact_id = n.id AND e.status = 'active'
    WHERE o.status = 'subscribed' AND n.status <> 'subscribed'
    GROUP BY n.status
  LOOP
    PERFORM postline_sequences_exit(r.ids, r.reason, now());
  END LOOP;
  RETURN NULL;
END;
$$;
