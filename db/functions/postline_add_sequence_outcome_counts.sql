-- Sequence totals the circuit breakers judge (lib/deliverability/breakers.ts), kept like campaign
-- totals (postline_add_outcome_counts): deltas summed per (sequence, counter shard), written in key
-- order, in the shard of the writer's connection.
--
-- deltas: [{sequence_id, message_id, delivered, hard_bounced, spam_complaints}]
CREATE OR REPLACE FUNCTION postline_add_sequence_outcome_counts(deltas jsonb) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO sequence_outcome_counters (sequence_id, shard, delivered, hard_bounced, spam_complaints)
  SELECT d.sequence_id, (pg_backend_pid() % 16)::int AS shard,
         sum(d.delivered), sum(d.hard_bounced), sum(d.spam_complaints)
  FROM jsonb_to_recordset(coalesce(deltas, '[]'::jsonb)) AS d(sequence_id uuid, message_id uuid, delivered int, hard_bounced int, spam_complaints int)
  GROUP BY 1, 2
  HAVING sum(d.delivered + d.hard_bounced + d.spam_complaints) > 0
  ORDER BY 1, 2
  ON CONFLICT (sequence_id, shard) DO UPDATE SET
    delivered = sequence_outcome_counters.delivered + excluded.delivered,
    hard_bounced = sequence_outcome_counters.hard_bounced + excluded.hard_bounced,
    spam_complaints = sequence_outcome_counters.spam_complaints + excluded.spam_complaints;
$$;
