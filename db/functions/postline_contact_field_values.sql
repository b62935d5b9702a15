-- Keeps contact_field_values (db/schema/contacts.ts) equal to contacts.fields: one row per non-empty
-- value, with the value as a number and as a day when it reads as one (the patterns are
-- lib/segments/compile.ts's NUMBER_PATTERN and DATE_PATTERN). Statement-level, with transition
-- tables: an import of 10,000 rows is one insert here; an update rewrites the rows of only the
-- contacts whose fields changed (an import's upsert of unchanged rows costs the join, nothing more).
CREATE OR REPLACE FUNCTION postline_contact_field_values() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changed uuid[];
BEGIN
  IF TG_OP = 'UPDATE' THEN
    changed := ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.fields IS DISTINCT FROM n.fields);
    IF cardinality(changed) = 0 THEN
      RETURN NULL;
    END IF;
    DELETE FROM contact_field_values WHERE contact_id = ANY (changed);
    INSERT INTO contact_field_values (contact_id, name, value, num, day)
    SELECT n.id, f.key, f.value,
           CASE WHEN length(f.value) <= 60 AND f.value ~ '^\s*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,3})?\s*$' THEN f.value::numeric END,
           CASE WHEN f.value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN left(f.value, 10) END
    FROM new_rows n, jsonb_each_text(n.fields) f
    WHERE n.id = ANY (changed) AND f.value <> '';
  ELSE
    INSERT INTO contact_field_values (contact_id, name, value, num, day)
    SELECT n.id, f.key, f.value,
           CASE WHEN length(f.value) <= 60 AND f.value ~ '^\s*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,3})?\s*$' THEN f.value::numeric END,
           CASE WHEN f.value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN left(f.value, 10) END
    FROM new_rows n, jsonb_each_text(n.fields) f
    WHERE f.value <> '';
  END IF;
  RETURN NULL;
END;
$$;
