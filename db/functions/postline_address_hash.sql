-- The one-way form of an address kept on the suppression list (suppressed_addresses): SHA-256 of the
-- address trimmed and lower-cased, as hex. Unkeyed on purpose: the list must keep working across secret
-- rotations and restores for as long as the person's wish stands, and it is computed here, in SQL, so
-- every insert path (one contact, a 100,000-row import) checks it in the statement that writes.
CREATE OR REPLACE FUNCTION postline_address_hash(email text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(lower(btrim(email)), 'UTF8')), 'hex')
$$;
