-- The address search inside a campaign's recipient table (and on the messages page) finds a substring,
-- `lower(to_email) like '%…%'`, by its trigrams instead of reading every recipient's address (issue 19
-- item 2: 150-500 ms at 200,000 recipients before; bench:views prints the plans). pg_trgm exists since
-- 0012. Built in one pass while writes to messages wait (bench:views prints its build time).
CREATE INDEX "messages_to_email_trgm_idx" ON "messages" USING gin (lower("to_email") gin_trgm_ops);
