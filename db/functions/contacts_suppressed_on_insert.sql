-- Every new contact is checked against the suppression list of erased addresses (postline_contacts_suppressed).
CREATE OR REPLACE TRIGGER contacts_suppressed_on_insert
  BEFORE INSERT ON contacts
  FOR EACH ROW
  EXECUTE FUNCTION postline_contacts_suppressed();
