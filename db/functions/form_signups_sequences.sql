-- Sequences triggered by a form (see postline_sequences_form_confirmed): fires only on confirmation.
CREATE OR REPLACE TRIGGER form_signups_sequences
  AFTER UPDATE ON form_signups
  FOR EACH ROW
  WHEN (OLD.confirmed_at IS NULL AND NEW.confirmed_at IS NOT NULL)
  EXECUTE FUNCTION postline_sequences_form_confirmed();
