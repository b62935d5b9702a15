import { desc } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { campaigns } from "@/db/schema";

export type Campaign = typeof campaigns.$inferSelect;

export async function listCampaigns(db: DbOrTx, { limit = 50 }: { limit?: number } = {}): Promise<Campaign[]> {
  return db.select().from(campaigns).orderBy(desc(campaigns.createdAt)).limit(limit);
}
