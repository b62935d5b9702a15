-- Orphans are impossible to strand: whoever writes a Postmark MessageID onto a message (dispatch)
-- holds an exclusive lock on that id until its commit, and ingestion takes a shared one before it
-- looks the id up. So an event either waits for the write and finds its message, or is stored as an
-- orphan before the writer looks for orphans to link. Advisory transaction locks on a hash of the id
-- (namespace 7301), taken in ascending order by both sides so they cannot deadlock each other.
CREATE OR REPLACE FUNCTION postline_lock_postmark_ids(ids text[], exclusive boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  h integer;
BEGIN
  FOR h IN SELECT DISTINCT hashtext(id) FROM unnest(ids) AS id WHERE id IS NOT NULL ORDER BY 1 LOOP
    IF exclusive THEN
      PERFORM pg_advisory_xact_lock(7301, h);
    ELSE
      PERFORM pg_advisory_xact_lock_shared(7301, h);
    END IF;
  END LOOP;
END;
$$;
