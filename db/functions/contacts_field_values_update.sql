-- contact_field_values follow a change to a contact's fields, whatever made it; rows whose fields did
-- not change never call the function (see postline_contact_field_values).
CREATE OR REPLACE TRIGGER contacts_field_values_update
  AFTER UPDATE OF fields ON contacts
  FOR EACH ROW
  WHEN (OLD.fields IS DISTINCT FROM NEW.fields)
  EXECUTE FUNCTION postline_contact_field_values();
