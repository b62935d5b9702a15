-- Unsubscribed, bounced or complained contacts leave their sequences (see postline_sequences_contact_status).
CREATE OR REPLACE TRIGGER contacts_sequence_exits
  AFTER UPDATE ON contacts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  EXECUTE FUNCTION postline_sequences_contact_status();
