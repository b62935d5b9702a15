-- Sequences triggered by a tag, or left on one (see postline_sequences_tagged).
CREATE OR REPLACE TRIGGER contact_tags_sequences
  AFTER INSERT ON contact_tags
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT
  EXECUTE FUNCTION postline_sequences_tagged();
