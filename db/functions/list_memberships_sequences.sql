-- Sequences triggered by a list, or left on one (see postline_sequences_joined_list).
CREATE OR REPLACE TRIGGER list_memberships_sequences
  AFTER INSERT ON list_memberships
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT
  EXECUTE FUNCTION postline_sequences_joined_list();
