import { desc } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { messages } from "@/db/schema";

export type Message = typeof messages.$inferSelect;

export async function listMessages(db: DbOrTx, { limit = 50 }: { limit?: number } = {}): Promise<Message[]> {
  return db.select().from(messages).orderBy(desc(messages.createdAt)).limit(limit);
}
