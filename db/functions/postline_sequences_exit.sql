-- Takes active enrollments out of their sequence with a reason (unsubscribed, bounced, complained,
-- pending, tag_added, joined_list, removed), in the caller's transaction; announces Sequence.Exited.
-- Returns the enrollments that were active.
CREATE OR REPLACE FUNCTION postline_sequences_exit(p_ids uuid[], p_reason text, p_at timestamptz) RETURNS uuid[]
LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
    RETURN '{}';
  END IF;
  WITH gone AS (
    UPDATE sequence_enrollments
    SET status = 'exited', exit_reason = p_reason, exited_at = p_at, next_due_at = NULL, updated_at = p_at
    WHERE id = ANY (p_ids) AND status = 'active'
    RETURNING id
  )
  SELECT coalesce(array_agg(id), '{}') INTO ids FROM gone;
  PERFORM postline_sequence_events('Sequence.Exited', ids, p_at);
  RETURN ids;
END;
$$;
