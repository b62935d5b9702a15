import { desc } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { contacts } from "@/db/schema";

export type Contact = typeof contacts.$inferSelect;

export async function listContacts(db: DbOrTx, { limit = 50 }: { limit?: number } = {}): Promise<Contact[]> {
  return db.select().from(contacts).orderBy(desc(contacts.createdAt)).limit(limit);
}
