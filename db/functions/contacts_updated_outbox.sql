-- Contact.Updated for every change to a contact, whatever made it (see postline_contacts_updated).
CREATE OR REPLACE TRIGGER contacts_updated_outbox
  AFTER UPDATE ON contacts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  EXECUTE FUNCTION postline_contacts_updated();
