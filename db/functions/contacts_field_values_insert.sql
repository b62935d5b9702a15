-- contact_field_values for every new contact, whatever inserted it (see postline_contact_field_values).
CREATE OR REPLACE TRIGGER contacts_field_values_insert
  AFTER INSERT ON contacts
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT
  EXECUTE FUNCTION postline_contact_field_values();
