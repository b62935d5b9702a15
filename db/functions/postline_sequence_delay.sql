-- A sequence email's delay as an interval (a day is 24 hours, as lib/sequences/delay.ts counts it).
CREATE OR REPLACE FUNCTION postline_sequence_delay(amount integer, unit sequence_delay_unit) RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
  SELECT make_interval(mins => amount * CASE unit WHEN 'minutes' THEN 1 WHEN 'hours' THEN 60 ELSE 1440 END);
$$;
