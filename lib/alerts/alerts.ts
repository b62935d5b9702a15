import { desc, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { alerts } from "@/db/schema";

export type Alert = typeof alerts.$inferSelect;

export async function countOpenAlerts(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(alerts).where(isNull(alerts.acknowledgedAt));
  return row.n;
}

export async function listOpenAlerts(db: DbOrTx, limit = 20): Promise<Alert[]> {
  return db.select().from(alerts).where(isNull(alerts.acknowledgedAt)).orderBy(desc(alerts.createdAt)).limit(limit);
}
