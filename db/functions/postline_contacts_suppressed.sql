-- A contact inserted with an address that was erased while unsubscribed, bounced or complained comes
-- back with that status, whatever path inserts it (the form, the API, an import), so campaigns skip it.
-- Only the address's hash was kept (postline_address_hash); the status it was erased with is all we know.
CREATE OR REPLACE FUNCTION postline_contacts_suppressed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  kept contact_status;
BEGIN
  IF NEW.status = 'subscribed' THEN
    SELECT s.status INTO kept FROM suppressed_addresses s WHERE s.address_hash = postline_address_hash(NEW.email);
    IF FOUND THEN
      NEW.status := kept;
      NEW.status_reason := CASE kept
        WHEN 'bounced' THEN 'Suppressed: this address hard-bounced before its contact was erased'
        WHEN 'complained' THEN 'Suppressed: this address made a spam complaint before its contact was erased'
        ELSE 'Suppressed: this address had unsubscribed before its contact was erased'
      END;
      NEW.status_changed_at := NEW.created_at;
    END IF;
  END IF;
  RETURN NEW;
END;
$$;
