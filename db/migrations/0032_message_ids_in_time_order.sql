-- Message ids in time order (UUID version 7): PostgreSQL 18's uuidv7() where the server has it, else
-- the same layout in SQL (a millisecond timestamp in the first 48 bits over a random UUID, version 7).
DO $$
BEGIN
  IF current_setting('server_version_num')::int >= 180000 THEN
    CREATE OR REPLACE FUNCTION postline_uuidv7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS 'SELECT uuidv7()';
  ELSE
    CREATE OR REPLACE FUNCTION postline_uuidv7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS
      'SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), ''hex'')::uuid';
  END IF;
END
$$;--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "id" SET DEFAULT postline_uuidv7();
