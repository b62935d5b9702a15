/**
 * Claiming work for a campaign: up to 500 queued messages of one sending campaign move into a new
 * send_batches row in one transaction, committed before Postmark is called (send-batch.ts sends it).
 * Sequence mail put back in the queue (after a 429, or by recover-batches.ts) is claimed the same way
 * (`claimQueuedSequenceBatch`); its first attempt is claimed straight from due enrollments
 * (lib/sequences/engine.ts).
 */
import { eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db";
import { campaigns, contacts, messages, sendBatches } from "@/db/schema";
import { checkAfterClaim, POSTMARK_BATCH_LIMIT, sendingDefaults, type SendingDeps } from "./deps";

export interface ClaimedMessage {
  id: string;
  contactId: string | null;
  toEmail: string;
  name: string;
  fields: Record<string, string>;
  /** Sequence mail: the sequence email it renders. */
  sequenceEmailId?: string | null;
}

export interface ClaimedBatch<C extends string | null = string> {
  batchId: string;
  /** The campaign whose batch this is; null for sequence mail (a batch may mix sequences). */
  campaignId: C;
  messages: ClaimedMessage[];
}

/**
 * Claims up to `batchSize` queued messages of one sending campaign into a new batch, in one
 * transaction. Contacts suppressed since the audience was frozen (an unsubscribe a minute ago) are
 * marked suppressed here instead of being sent.
 *
 * SKIP LOCKED: a claim neither waits for nor takes rows another claim holds. So claims that overlap
 * (two workers finishing their batches together, on a busy database) share what is left: 200
 * messages may go out as 120 + 80. Every message is still in exactly one batch of at most 500; only
 * the number of batches depends on timing.
 */
export async function claimCampaignBatch(db: Db, { campaignId }: { campaignId: string }, deps: SendingDeps): Promise<ClaimedBatch | null> {
  const eligible = sql`m.campaign_id = ${campaignId}::uuid and m.status = 'queued' and m.batch_id is null
          and exists (select 1 from campaigns c where c.id = ${campaignId}::uuid and c.status = 'sending')`;
  return claimQueued(db, { campaignId, eligible }, deps) as Promise<ClaimedBatch | null>;
}

/** Queued sequence mail of active sequences (retries: first attempts are claimed from enrollments). */
export async function claimQueuedSequenceBatch(db: Db, deps: SendingDeps): Promise<ClaimedBatch<null> | null> {
  const eligible = sql`m.sequence_id is not null and m.status = 'queued' and m.batch_id is null
          and exists (select 1 from sequences s where s.id = m.sequence_id and s.status = 'active')`;
  return claimQueued(db, { campaignId: null, eligible }, deps) as Promise<ClaimedBatch<null> | null>;
}

async function claimQueued(db: Db, { campaignId, eligible }: { campaignId: string | null; eligible: SQL }, deps: SendingDeps): Promise<ClaimedBatch<string | null> | null> {
  const now = deps.now();
  const size = Math.min(deps.batchSize ?? sendingDefaults.batchSize, POSTMARK_BATCH_LIMIT);
  const checkAfter = checkAfterClaim(deps, now);
  return db.transaction(async (tx) => {
    const claimed = await tx.execute<{ id: string; contact_id: string | null; to_email: string; batch_id: string; sequence_email_id: string | null }>(sql`
      with picked as (
        select m.id from messages m
        where ${eligible}
          and (m.next_attempt_at is null or m.next_attempt_at <= ${now.toISOString()}::timestamptz)
        order by m.id
        limit ${size}
        for update of m skip locked
      ),
      batch as (
        insert into send_batches (campaign_id, message_count, claimed_at, check_after, message_ids)
        select ${campaignId}::uuid, count(*), ${now.toISOString()}::timestamptz, ${checkAfter.toISOString()}::timestamptz, array_agg(picked.id)
        from picked having count(*) > 0
        returning id
      )
      update messages m
      set batch_id = batch.id, attempts = m.attempts + 1, updated_at = ${now.toISOString()}::timestamptz
      from picked, batch
      where m.id = picked.id
      returning m.id, m.contact_id, m.to_email, m.sequence_email_id, batch.id as batch_id`);
    if (claimed.rows.length === 0) return null;
    const batchId = claimed.rows[0].batch_id;
    const contactIds = claimed.rows.map((r) => r.contact_id).filter((id): id is string => id !== null);
    const people = contactIds.length
      ? await tx
          .select({ id: contacts.id, name: contacts.name, fields: contacts.fields, status: contacts.status })
          .from(contacts)
          .where(inArray(contacts.id, contactIds))
      : [];
    const byId = new Map(people.map((p) => [p.id, p]));
    const suppressed = claimed.rows.filter((r) => {
      const p = r.contact_id ? byId.get(r.contact_id) : undefined;
      return !p || p.status !== "subscribed";
    });
    if (suppressed.length) {
      await tx
        .update(messages)
        .set({
          status: "suppressed",
          errorMessage: sql`'Contact became ' || coalesce((select c.status::text from contacts c where c.id = messages.contact_id), 'deleted') || ' before sending'`,
          batchId: null,
          updatedAt: now,
        })
        .where(inArray(messages.id, suppressed.map((r) => r.id)));
      if (campaignId) {
        await tx
          .update(campaigns)
          .set({ suppressedCount: sql`${campaigns.suppressedCount} + ${suppressed.length}` })
          .where(eq(campaigns.id, campaignId));
      }
      await tx.update(sendBatches).set({ messageCount: claimed.rows.length - suppressed.length }).where(eq(sendBatches.id, batchId));
    }
    const skip = new Set(suppressed.map((r) => r.id));
    const list = claimed.rows
      .filter((r) => !skip.has(r.id))
      .map((r) => {
        const p = byId.get(r.contact_id!)!;
        return { id: r.id, contactId: r.contact_id, toEmail: r.to_email, name: p.name, fields: p.fields, sequenceEmailId: r.sequence_email_id };
      });
    if (list.length === 0) {
      await tx.update(sendBatches).set({ status: "done", completedAt: now }).where(eq(sendBatches.id, batchId));
      return { batchId, campaignId, messages: [] };
    }
    return { batchId, campaignId, messages: list };
  });
}
