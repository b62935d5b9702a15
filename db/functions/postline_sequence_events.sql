-- Sequence.Enrolled, Sequence.Completed or Sequence.Exited for these enrollments, into the outbox in the
-- caller's transaction (lib/sequences: the engine, enrolment, exits, and the triggers on tags, lists
-- and contacts). Payloads are built only when some active endpoint subscribes.
CREATE OR REPLACE FUNCTION postline_sequence_events(p_event text, p_ids uuid[], p_at timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
  IF p_ids IS NULL OR cardinality(p_ids) = 0
     OR NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE status = 'active' AND p_event = ANY (events)) THEN
    RETURN 0;
  END IF;
  RETURN postline_enqueue_outbound((
    SELECT jsonb_agg(jsonb_build_object(
             'event', p_event,
             'occurred_at', p_at,
             'data', jsonb_build_object(
               'enrollment_id', e.id,
               'sequence', jsonb_build_object('id', s.id, 'name', s.name),
               'contact_id', e.contact_id,
               'email', c.email,
               'status', e.status,
               'exit_reason', e.exit_reason,
               'emails_sent', e.emails_sent,
               'enrolled_at', postline_iso_time(e.enrolled_at),
               'completed_at', postline_iso_time(e.completed_at),
               'exited_at', postline_iso_time(e.exited_at)))
           ORDER BY e.id)
    FROM sequence_enrollments e
    JOIN sequences s ON s.id = e.sequence_id
    JOIN contacts c ON c.id = e.contact_id
    WHERE e.id = ANY (p_ids)));
END;
$$;
