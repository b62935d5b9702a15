-- Contact.Updated for every change to a contact's address, name, fields or status, whatever made it:
-- an edit in the app or the API, an import, a suppression or reactivation reported by Postmark, an
-- unsubscribe link. A statement-level trigger with transition tables: one outbox call per statement
-- (an import of 10,000 rows is one call), in the same transaction as the change, and nothing at all
-- for rows an upsert rewrote without changing them.
CREATE OR REPLACE FUNCTION postline_contacts_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM postline_enqueue_outbound((
    SELECT jsonb_agg(jsonb_build_object(
             'event', 'Contact.Updated',
             'occurred_at', n.updated_at,
             'data', jsonb_build_object(
               'contact_id', n.id, 'email', n.email, 'name', n.name, 'status', n.status, 'fields', n.fields,
               'status_reason', n.status_reason,
               'changed', to_jsonb(array_remove(ARRAY[
                 CASE WHEN o.email IS DISTINCT FROM n.email THEN 'email' END,
                 CASE WHEN o.name IS DISTINCT FROM n.name THEN 'name' END,
                 CASE WHEN o.fields IS DISTINCT FROM n.fields THEN 'fields' END,
                 CASE WHEN o.status IS DISTINCT FROM n.status THEN 'status' END], NULL)),
               'updated_at', to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
           ORDER BY n.updated_at, n.id)
    FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    WHERE (o.email, o.name, o.fields, o.status) IS DISTINCT FROM (n.email, n.name, n.fields, n.status)
      AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE status = 'active' AND 'Contact.Updated' = ANY (events))));
  RETURN NULL;
END;
$$;
