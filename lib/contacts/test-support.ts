import { and, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { contacts, type ContactStatus } from "@/db/schema";

/**
 * Tests only: moves a contact's status by address as Postmark's webhooks would (production moves it
 * in SQL, in the ingest functions); returns whether it changed.
 */
export async function setContactStatusByEmail(
  db: DbOrTx,
  input: { email: string; status: ContactStatus; reason: string },
  now: Date = new Date(),
): Promise<boolean> {
  const rows = await db
    .update(contacts)
    .set({ status: input.status, statusReason: input.reason, statusChangedAt: now, updatedAt: now })
    .where(and(sql`lower(${contacts.email}) = lower(${input.email})`, sql`${contacts.status} <> ${input.status}`))
    .returning({ id: contacts.id });
  return rows.length > 0;
}
