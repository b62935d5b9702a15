-- Why a contact inserted with an address that was erased while unsubscribed, bounced or complained comes
-- back with that status (lib/contacts/contacts.ts, both insert paths: one contact, and the set-based
-- upsert of imports and bulk API calls, which joins suppressed_addresses once per statement rather than
-- running a trigger per row). Only the address's hash was kept (postline_address_hash); the status it
-- was erased with is all we know.
CREATE OR REPLACE FUNCTION postline_suppressed_reason(kept contact_status) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE kept
    WHEN 'bounced' THEN 'Suppressed: this address hard-bounced before its contact was erased'
    WHEN 'complained' THEN 'Suppressed: this address made a spam complaint before its contact was erased'
    WHEN 'unsubscribed' THEN 'Suppressed: this address had unsubscribed before its contact was erased'
  END
$$;
