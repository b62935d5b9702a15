/** What the composer needs from the audience: contacts to preview as, and the custom fields contacts have. */
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import type { ContactStatus } from "@/db/schema";
import { parseId } from "@/lib/http/id";

export type PreviewContact = {
  id: string;
  email: string;
  name: string;
  fields: Record<string, string>;
  status: ContactStatus;
};

/**
 * Contacts of an audience (members of `listIds`, or everyone when none) whose address contains
 * `query`, by address, for "preview as" and test sends personalized as a real contact.
 */
export async function searchAudienceContacts(
  db: DbOrTx,
  { listIds, query, limit = 10 }: { listIds: string[]; query: string; limit?: number },
): Promise<PreviewContact[]> {
  const q = query.trim().toLowerCase().slice(0, 320);
  // Only ids reach the array literal (anything else is no list at all).
  const ids = listIds.map(parseId).filter((id): id is string => id !== null);
  const lists = ids.length ? sql`and exists (select 1 from list_memberships m where m.contact_id = c.id and m.list_id = any(${`{${ids.join(",")}}`}::uuid[]))` : sql``;
  const rows = await db.execute<PreviewContact>(sql`
    select c.id, c.email, c.name, c.fields, c.status from contacts c
    where strpos(lower(c.email), ${q}) > 0 ${lists}
    order by lower(c.email) limit ${Math.min(Math.max(limit, 1), 50)}`);
  return rows.rows;
}

/**
 * The custom field keys contacts have (at most 500), so the composer can warn about a
 * `{{ fields.x }}` no contact has. Every contact's, not one audience's: the audience can change
 * after the content is written.
 */
export async function listKnownFieldKeys(db: DbOrTx): Promise<string[]> {
  const rows = await db.execute<{ key: string }>(sql`
    select distinct k.key from contacts c, jsonb_object_keys(c.fields) as k(key) order by k.key limit 500`);
  return rows.rows.map((r) => r.key);
}
