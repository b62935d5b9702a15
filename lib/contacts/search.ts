import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { contacts, type ContactStatus } from "@/db/schema";
import { decodeCursor, encodeCursor } from "@/lib/messages/queries";
import type { Contact } from "./contacts";

/**
 * What the one search box looks through: address, name and the values of custom fields (not their
 * keys: searching "city" should not find everyone who has a city). Written exactly as the expression
 * of contacts_search_trgm_idx (db/schema/contacts.ts), so PostgreSQL uses that trigram index.
 */
const CONTACT_SEARCH_TEXT = sql`lower(${contacts.email} || ' ' || ${contacts.name} || ' ' || jsonb_path_query_array(${contacts.fields}, '$.*')::text)`;

const escapeLike = (s: string) => s.replace(/[%_\\]/g, "\\$&");

/** Tests only: the id query a search runs, to EXPLAIN it. */
export function searchContactsSqlForTest(search: string): SQL {
  return sql`select ${contacts.id} from ${contacts} where ${and(...whereOf({ search }))}`;
}

export interface ContactSearch {
  search?: string;
  status?: ContactStatus;
  listId?: string;
  tagId?: string;
  /** The `next` of the previous page. */
  after?: string | null;
  limit?: number;
}

function whereOf(input: ContactSearch): SQL[] {
  const where: SQL[] = [];
  const q = input.search?.trim().toLowerCase();
  // Values are stored JSON-encoded in the searched text: a quote or backslash in a field is escaped
  // there, so the search is escaped the same way (JSON string content) before LIKE escaping.
  if (q) where.push(sql`${CONTACT_SEARCH_TEXT} like ${`%${escapeLike(JSON.stringify(q).slice(1, -1))}%`}`);
  if (input.status) where.push(eq(contacts.status, input.status));
  if (input.listId) where.push(sql`exists (select 1 from list_memberships m where m.contact_id = ${contacts.id} and m.list_id = ${input.listId}::uuid)`);
  if (input.tagId) where.push(sql`exists (select 1 from contact_tags ct where ct.contact_id = ${contacts.id} and ct.tag_id = ${input.tagId}::uuid)`);
  return where;
}

/**
 * One page of contacts, newest first, by keyset on (created_at, id): page 2,000 costs what page 1
 * costs. The cursor keeps created_at to the microsecond (a JS Date keeps milliseconds): an import
 * inserts thousands of contacts in one statement, sharing created_at exactly, and a rounded cursor
 * would skip or repeat them. `total` counts every contact the search and filters match.
 */
export async function searchContacts(db: DbOrTx, input: ContactSearch = {}): Promise<{ rows: Contact[]; next: string | null; total: number }> {
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 500);
  const where = whereOf(input);
  const cursor = decodeCursor(input.after);
  const page = cursor?.v ? [...where, sql`(${contacts.createdAt}, ${contacts.id}) < (${cursor.v}::timestamptz, ${cursor.id}::uuid)`] : where;
  const [found, [count]] = await Promise.all([
    db
      .select({ c: contacts, at: sql<string>`to_char(${contacts.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` })
      .from(contacts)
      .where(and(...page))
      .orderBy(desc(contacts.createdAt), desc(contacts.id))
      .limit(limit + 1),
    db.select({ total: sql<number>`count(*)::int` }).from(contacts).where(and(...where)),
  ]);
  const shown = found.slice(0, limit);
  const last = shown[shown.length - 1];
  return { rows: shown.map((r) => r.c), next: found.length > limit ? encodeCursor({ v: last.at, id: last.c.id }) : null, total: count.total };
}

/** The custom field keys present on some contacts, in order: the table's columns for them. */
export function fieldKeysOf(rows: Pick<Contact, "fields">[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.fields)))].sort((a, b) => a.localeCompare(b, "en"));
}
