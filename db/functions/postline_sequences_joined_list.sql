-- Contacts joined lists (any path: an import, the API, a form): they enrol in active sequences the list
-- triggers and leave those that exit on it. Statement level and cheap when no sequence cares, like
-- postline_sequences_tagged: nothing more than one look at the sequences table when none uses lists
-- (a 100,000-row import into a list then costs nothing here), one scan of the added rows when none uses
-- these lists.
CREATE OR REPLACE FUNCTION postline_sequences_joined_list() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  enrol_lists uuid[];
  exit_lists uuid[];
  exits uuid[];
BEGIN
  SELECT array_agg(DISTINCT trigger_id) FILTER (WHERE status = 'active' AND trigger_type = 'list'),
         array_agg(DISTINCT x) FILTER (WHERE x IS NOT NULL)
  INTO enrol_lists, exit_lists
  FROM sequences LEFT JOIN LATERAL unnest(exit_list_ids) AS x ON true
  WHERE status IN ('active', 'paused') AND (trigger_type = 'list' OR exit_list_ids <> '{}');
  IF enrol_lists IS NULL AND exit_lists IS NULL THEN
    RETURN NULL;
  END IF;
  IF exit_lists IS NOT NULL AND EXISTS (SELECT 1 FROM added WHERE list_id = ANY (exit_lists)) THEN
    SELECT array_agg(DISTINCT e.id) INTO exits
    FROM added a
    JOIN sequences s ON a.list_id = ANY (s.exit_list_ids) AND s.status IN ('active', 'paused')
    JOIN sequence_enrollments e ON e.sequence_id = s.id AND e.contact_id = a.contact_id AND e.status = 'active'
    WHERE a.list_id = ANY (exit_lists);
    PERFORM postline_sequences_exit(exits, 'joined_list', now());
  END IF;
  IF enrol_lists IS NOT NULL AND EXISTS (SELECT 1 FROM added WHERE list_id = ANY (enrol_lists)) THEN
    PERFORM postline_sequences_enroll((
      SELECT jsonb_agg(jsonb_build_object('sequence_id', s.id, 'contact_id', a.contact_id))
      FROM added a JOIN sequences s ON s.status = 'active' AND s.trigger_type = 'list' AND s.trigger_id = a.list_id
      WHERE a.list_id = ANY (enrol_lists)), now());
  END IF;
  RETURN NULL;
END;
$$;
