import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { eraseContacts } from "@/lib/contacts/erase";

/** Days after its last confirmation link expired that a never-confirmed contact is erased (FORM_PENDING_DAYS). */
export const FORM_PENDING_DAYS_DEFAULT = 7;

/**
 * Erases pending contacts (signed up, never confirmed) whose every signup expired more than `days`
 * ago, at most `limit` per run, through the one erasure path (lib/contacts/erase.ts): their signups,
 * the confirmation emails' content and address go with them, and no suppression hash stays behind.
 * Run by the alert-digests cron tick (every minute; usually one index probe that finds nothing).
 */
export async function erasePendingContacts(db: DbOrTx, { days, limit = 500 }: { days: number; limit?: number }, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
  const stale = await db.execute<{ id: string }>(sql`
    select c.id from contacts c
    where c.status = 'pending'
      and not exists (select 1 from form_signups s where s.contact_id = c.id and (s.expires_at is null or s.expires_at > ${cutoff}::timestamptz))
      and c.created_at <= ${cutoff}::timestamptz
    order by c.created_at, c.id
    limit ${limit}`);
  if (stale.rows.length === 0) return 0;
  const result = await eraseContacts(db, { contactIds: stale.rows.map((r) => r.id), actor: "form cleanup (never confirmed)" }, now);
  return result.erased;
}
