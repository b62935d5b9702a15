/**
 * Recording what Postmark answered for a batch: messages become sent or failed, the campaign's totals
 * move with them, a 406 suppresses the contact, webhooks that beat the answer are linked, the batch
 * closes. Used by campaign batches, single emails and recovered batches alike.
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { campaigns, sendBatches } from "@/db/schema";
import { linkOrphanEvents, lockPostmarkIdsForWrite } from "@/lib/ingest/ingest";
import { enqueueEmailsSent } from "@/lib/outbound-webhooks/outbox";
import type { SendingDeps } from "./deps";
import { INACTIVE_RECIPIENT } from "./postmark-outcome";

export interface EntryResult {
  messageId: string;
  toEmail: string;
  postmarkMessageId?: string;
  submittedAt?: Date;
  errorCode?: number;
  errorMessage?: string;
  /**
   * The subject this recipient was sent (a campaign's is personalized per recipient and rendered only
   * to send it): written in the same update, so the row shows what the recipient received. Absent:
   * the row keeps its subject (single emails store theirs rendered when written).
   */
  subject?: string;
}

/**
 * Writes a batch's answer: every message still `sending` in this batch becomes sent or failed, the
 * campaign's totals move by the same amounts, 406 suppresses the contact, and the batch closes — one
 * transaction, so totals never disagree with rows.
 */
export async function recordBatchResults(
  db: Db,
  { batchId, campaignId, results }: { batchId: string; campaignId: string | null; results: EntryResult[] },
  deps: Pick<SendingDeps, "now">,
) {
  const now = deps.now();
  if (results.length === 0) return { sent: 0, failed: 0 };
  return db.transaction(async (tx) => {
    // Webhooks for these ids wait until this commits, or are already stored and linked below.
    await lockPostmarkIdsForWrite(
      tx,
      results.flatMap((r) => (r.postmarkMessageId ? [r.postmarkMessageId] : [])),
    );
    // The batch id rides in every row rather than as a constant: with a constant, the planner trusted
    // messages_batch_idx (dropped since, migration 0029; its statistics said few rows were in flight) and joined the 500 rows to the
    // 500 values by a nested loop over the values list, 250,000 comparisons a batch, which made this
    // statement most of sending's cost (bench:dispatch, 2026-11-26). Joined by id, each row is one
    // primary-key lookup.
    const values = sql.join(
      results.map(
        (r) =>
          sql`(${r.messageId}::uuid, ${r.postmarkMessageId ?? null}::text, ${r.errorCode ?? null}::int, ${r.errorMessage ?? null}::text, ${(r.submittedAt ?? now).toISOString()}::timestamptz, ${r.subject ?? null}::text, ${batchId}::uuid)`,
      ),
      sql`, `,
    );
    // The same statement marks the contacts a campaign reached for the first time in contact_engagement
    // (segments' "never opened" needs "was sent a campaign"): one insert for the batch, rows that
    // exist are left alone (no lock, no write) unless an open recorded before the send left sent_at empty.
    const updated = await tx.execute<{ status: string; postmark_message_id: string | null }>(sql`
      with upd as (
      update messages m
      set status = case when v.pm_id is not null then 'sent'::message_status else 'failed'::message_status end,
          postmark_message_id = v.pm_id,
          error_code = v.code,
          error_message = v.msg,
          sent_at = case when v.pm_id is not null then v.at else m.sent_at end,
          subject = coalesce(v.subject, m.subject),
          next_attempt_at = null,
          updated_at = ${now.toISOString()}::timestamptz
      from (values ${values}) as v(id, pm_id, code, msg, at, subject, batch)
      where m.id = v.id and m.batch_id = v.batch and m.status in ('queued', 'sending')
      returning m.status, m.postmark_message_id, m.contact_id, m.campaign_id, m.sent_at),
      reached as (
        select contact_id, min(sent_at) as sent_at from upd
        where campaign_id is not null and contact_id is not null and sent_at is not null group by contact_id),
      first_reached as (
        insert into contact_engagement (contact_id, sent_at) select contact_id, sent_at from reached order by contact_id
        on conflict (contact_id) do nothing),
      sent_unset as (
        update contact_engagement e set sent_at = r.sent_at from reached r where e.contact_id = r.contact_id and e.sent_at is null)
      select status, postmark_message_id from upd`);
    // A webhook may have beaten this write (Postmark is fast): apply what it brought now. One that
    // arrives while this transaction is open waits for its commit (the id locks above) and then finds
    // its message.
    await enqueueEmailsSent(tx, updated.rows);
    await linkOrphanEvents(tx, updated.rows.map((r) => r.postmark_message_id).filter((id): id is string => Boolean(id)));
    const sent = updated.rows.filter((r) => r.status === "sent").length;
    const failed = updated.rows.length - sent;
    if (campaignId && updated.rows.length) {
      await tx
        .update(campaigns)
        .set({ sentCount: sql`${campaigns.sentCount} + ${sent}`, failedCount: sql`${campaigns.failedCount} + ${failed}` })
        .where(eq(campaigns.id, campaignId));
    }
    const inactive = results.filter((r) => r.errorCode === INACTIVE_RECIPIENT).map((r) => r.toEmail.toLowerCase());
    if (inactive.length) {
      await tx.execute(sql`
        update contacts set status = 'bounced', status_reason = 'Postmark reports the address inactive (406)',
          status_changed_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
        where lower(email) in (select jsonb_array_elements_text(${JSON.stringify(inactive)}::jsonb)) and status = 'subscribed'`);
    }
    await tx.update(sendBatches).set({ status: "done", completedAt: now }).where(eq(sendBatches.id, batchId));
    return { sent, failed };
  });
}
