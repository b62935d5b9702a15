-- Tags added (any path: the app, the API, an import, a form): contacts enrol in active sequences that
-- a tag triggers, and leave those that exit on it. Statement level: one pass per statement, however many
-- rows. Cheap when no sequence cares: one look at the sequences table when none uses tags (a bulk tag
-- or an import then does nothing more), one scan of the added rows when none uses these tags; only
-- rows with a tag some sequence triggers on or exits on are joined further.
CREATE OR REPLACE FUNCTION postline_sequences_tagged() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  enrol_tags uuid[];
  exit_tags uuid[];
  exits uuid[];
BEGIN
  SELECT array_agg(DISTINCT trigger_id) FILTER (WHERE status = 'active' AND trigger_type = 'tag'),
         array_agg(DISTINCT x) FILTER (WHERE x IS NOT NULL)
  INTO enrol_tags, exit_tags
  FROM sequences LEFT JOIN LATERAL unnest(exit_tag_ids) AS x ON true
  WHERE status IN ('active', 'paused') AND (trigger_type = 'tag' OR exit_tag_ids <> '{}');
  IF enrol_tags IS NULL AND exit_tags IS NULL THEN
    RETURN NULL;
  END IF;
  IF exit_tags IS NOT NULL AND EXISTS (SELECT 1 FROM added WHERE tag_id = ANY (exit_tags)) THEN
    SELECT array_agg(DISTINCT e.id) INTO exits
    FROM added a
    JOIN sequences s ON a.tag_id = ANY (s.exit_tag_ids) AND s.status IN ('active', 'paused')
    JOIN sequence_enrollments e ON e.sequence_id = s.id AND e.contact_id = a.contact_id AND e.status = 'active'
    WHERE a.tag_id = ANY (exit_tags);
    PERFORM postline_sequences_exit(exits, 'tag_added', now());
  END IF;
  IF enrol_tags IS NOT NULL AND EXISTS (SELECT 1 FROM added WHERE tag_id = ANY (enrol_tags)) THEN
    PERFORM postline_sequences_enroll((
      SELECT jsonb_agg(jsonb_build_object('sequence_id', s.id, 'contact_id', a.contact_id))
      FROM added a JOIN sequences s ON s.status = 'active' AND s.trigger_type = 'tag' AND s.trigger_id = a.tag_id
      WHERE a.tag_id = ANY (enrol_tags)), now());
  END IF;
  RETURN NULL;
END;
$$;
