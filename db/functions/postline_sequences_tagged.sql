-- Tags added (any path: the app, the API, an import, a form): contacts enrol in active sequences that
-- a tag triggers, and leave those that exit on it. Statement level: one pass per statement. Costs one
-- look at the sequences table when no sequence uses tags.
CREATE OR REPLACE FUNCTION postline_sequences_tagged() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  exits uuid[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM sequences WHERE status IN ('active', 'paused') AND (trigger_type = 'tag' OR exit_tag_ids <> '{}')) THEN
    RETURN NULL;
  END IF;
  SELECT array_agg(DISTINCT e.id) INTO exits
  FROM added a
  JOIN sequence_enrollments e ON e.contact_id = a.contact_id AND e.status = 'active'
  JOIN sequences s ON s.id = e.sequence_id AND a.tag_id = ANY (s.exit_tag_ids);
  PERFORM postline_sequences_exit(exits, 'tag_added', now());
  PERFORM postline_sequences_enroll((
    SELECT jsonb_agg(jsonb_build_object('sequence_id', s.id, 'contact_id', a.contact_id))
    FROM added a JOIN sequences s ON s.status = 'active' AND s.trigger_type = 'tag' AND s.trigger_id = a.tag_id), now());
  RETURN NULL;
END;
$$;
