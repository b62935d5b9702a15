-- A signup confirmed through a form (double opt-in, or at once without it; lib/forms/signups.ts
-- applyConfirmation sets confirmed_at after the contact is subscribed): its contact enrols in active
-- sequences that the form triggers, in the confirmation's transaction.
CREATE OR REPLACE FUNCTION postline_sequences_form_confirmed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM sequences WHERE status = 'active' AND trigger_type = 'form' AND trigger_id = NEW.form_id) THEN
    PERFORM postline_sequences_enroll((
      SELECT jsonb_agg(jsonb_build_object('sequence_id', s.id, 'contact_id', NEW.contact_id))
      FROM sequences s WHERE s.status = 'active' AND s.trigger_type = 'form' AND s.trigger_id = NEW.form_id), now());
  END IF;
  RETURN NULL;
END;
$$;
