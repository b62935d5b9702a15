-- Keeps contact_field_values (db/schema/contacts.ts) equal to what contacts.fields holds that reads as
-- a number or a day (the patterns are lib/segments/compile.ts's NUMBER_PATTERN and DATE_PATTERN).
-- Two triggers call it: once per insert statement (transition table new_rows: an import chunk of
-- 1,000 rows is one insert here), and per row for an update that changed the contact's fields (the
-- trigger's WHEN skips every other row before any call, so an import's upsert of unchanged rows costs
-- nothing; a first version's statement-level join of old and new rows made bench:import's
-- re-import of unchanged rows three to four times slower).
CREATE OR REPLACE FUNCTION postline_contact_field_values() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'ROW' THEN
    DELETE FROM contact_field_values WHERE contact_id = NEW.id;
    INSERT INTO contact_field_values (contact_id, name, num, day)
    SELECT NEW.id, v.name, v.num, v.day FROM (
      SELECT f.key AS name,
             CASE WHEN length(f.value) <= 60 AND f.value ~ '^\s*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,3})?\s*$' THEN f.value::numeric END AS num,
             CASE WHEN f.value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN left(f.value, 10) END AS day
      FROM jsonb_each_text(NEW.fields) f) v
    WHERE v.num IS NOT NULL OR v.day IS NOT NULL;
  ELSE
    INSERT INTO contact_field_values (contact_id, name, num, day)
    SELECT v.id, v.name, v.num, v.day FROM (
      SELECT n.id, f.key AS name,
             CASE WHEN length(f.value) <= 60 AND f.value ~ '^\s*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,3})?\s*$' THEN f.value::numeric END AS num,
             CASE WHEN f.value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN left(f.value, 10) END AS day
      FROM new_rows n, jsonb_each_text(n.fields) f
      -- Only values that can be either: a digit or a sign first, after any spaces.
      WHERE f.value ~ '^\s*[-+.0-9]') v
    WHERE v.num IS NOT NULL OR v.day IS NOT NULL;
  END IF;
  RETURN NULL;
END;
$$;
