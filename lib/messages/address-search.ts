import { sql, type SQL } from "drizzle-orm";
import { messages, nonAsciiAddress } from "@/db/schema";

const escapeLike = (s: string) => s.replace(/[%_\\]/g, "\\$&");

/** Every ASCII character but A–Z (the address is lowered first), as a regular expression's bracket. */
const ASCII_AFTER_LOWER = "[\\x01-\\x40\\x5b-\\x7f]";

/**
 * "The address contains `term`" (already trimmed and lower-cased), written so an index can answer it.
 *
 * - Three characters or more: `like '%term%'`, which messages_to_email_trgm_idx answers by the term's
 *   trigrams.
 * - Two letters or digits: they make no trigram, and `like` would read the whole trigram index
 *   (bench:views, 'zz': 1.7 s over 2,000,000 messages). But in an address of ASCII characters each place
 *   they occur is either followed by a character, and the trigram index holds the three (a letter or
 *   digit after them), or the two end a word (a trigram of the two and a blank: any other character
 *   after them, or the address's end). So the test is the same as: followed by an ASCII character, or
 *   at the end, or (for an address with any other character, which messages_campaign_non_ascii_address_idx
 *   lists) found by strpos. Each arm is exact on its own and each has an index, so a term that matches
 *   few addresses is found through the indexes (the planner ORs them) instead of by walking the
 *   campaign (bench:views, 'zz' in 1,000,000: 0.7 against 159 ms p95); a frequent one is still found by the walk,
 *   which stops at a page.
 * - Anything else (one character, or two with punctuation): strpos, which the planner leaves to the
 *   campaign's own indexes (`like` would read the whole trigram index, as above).
 */
export function addressContains(term: string): SQL {
  const address = sql`lower(${messages.toEmail})`;
  if (term.length >= 3) return sql`${address} like ${`%${escapeLike(term)}%`}`;
  if (/^[a-z0-9]{2}$/.test(term)) {
    return sql`(${address} ~ ${term + ASCII_AFTER_LOWER} or ${address} like ${`%${term}`} or (${nonAsciiAddress(messages.toEmail)} and strpos(${address}, ${term}) > 0))`;
  }
  return sql`strpos(${address}, ${term}) > 0`;
}
