/** Closing campaigns: a sending campaign with nothing left queued or in flight is sent (Campaign.Sent). */
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { enqueueCampaignsSent } from "@/lib/outbound-webhooks/outbox";
import type { SendingDeps } from "./deps";

/** Sending campaigns with nothing left queued or in flight are complete (once their audience is wholly frozen). */
export async function completeFinishedCampaigns(db: Db, deps: SendingDeps): Promise<string[]> {
  const now = deps.now();
  return db.transaction(async (tx) => {
    const rows = await tx.execute<{ id: string }>(sql`
      update campaigns c set status = 'sent', completed_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
      where c.status = 'sending' and not c.freezing
        and not exists (select 1 from messages m where m.campaign_id = c.id and m.status in ('queued', 'sending'))
      returning c.id`);
    await enqueueCampaignsSent(tx, { campaignIds: rows.rows.map((r) => r.id), now });
    return rows.rows.map((r) => r.id);
  });
}
