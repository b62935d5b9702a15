-- Contacts joined lists (any path): they enrol in active sequences the list triggers and leave those
-- that exit on it. Statement level, like postline_sequences_tagged.
CREATE OR REPLACE FUNCTION postline_sequences_joined_list() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  exits uuid[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM sequences WHERE status IN ('active', 'paused') AND (trigger_type = 'list' OR exit_list_ids <> '{}')) THEN
    RETURN NULL;
  END IF;
  SELECT array_agg(DISTINCT e.id) INTO exits
  FROM added a
  JOIN sequence_enrollments e ON e.contact_id = a.contact_id AND e.status = 'active'
  JOIN sequences s ON s.id = e.sequence_id AND a.list_id = ANY (s.exit_list_ids);
  PERFORM postline_sequences_exit(exits, 'joined_list', now());
  PERFORM postline_sequences_enroll((
    SELECT jsonb_agg(jsonb_build_object('sequence_id', s.id, 'contact_id', a.contact_id))
    FROM added a JOIN sequences s ON s.status = 'active' AND s.trigger_type = 'list' AND s.trigger_id = a.list_id), now());
  RETURN NULL;
END;
$$;
