-- contact_field_values follow every change to a contact's fields, whatever made it (see postline_contact_field_values).
CREATE OR REPLACE TRIGGER contacts_field_values_update
  AFTER UPDATE ON contacts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  EXECUTE FUNCTION postline_contact_field_values();
