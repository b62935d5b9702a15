import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { contacts, messages } from "@/db/schema";
import { addOutcomeCounts } from "@/lib/campaigns/stats";
import { AppError } from "@/lib/errors";
import { enqueueContactUnsubscribed } from "@/lib/outbound-webhooks/outbox";
import { verifyUnsubscribeToken } from "./unsubscribe-token";

export interface UnsubscribeTarget {
  messageId: string;
  email: string;
  contactId: string | null;
  alreadyUnsubscribed: boolean;
}

/** Reads a token without changing anything: what the /u/{token} page shows before the click. */
export async function resolveUnsubscribeToken(db: Db, { key, token }: { key: Buffer; token: string }): Promise<UnsubscribeTarget> {
  const messageId = verifyUnsubscribeToken(key, token);
  if (!messageId) throw new AppError("invalid_token", "This unsubscribe link is not valid");
  const [row] = await db
    .select({ id: messages.id, email: messages.toEmail, contactId: messages.contactId, contactStatus: contacts.status })
    .from(messages)
    .leftJoin(contacts, eq(contacts.id, messages.contactId))
    .where(eq(messages.id, messageId))
    .limit(1);
  if (!row) throw new AppError("invalid_token", "This unsubscribe link is no longer valid");
  return { messageId: row.id, email: row.email, contactId: row.contactId, alreadyUnsubscribed: row.contactStatus === "unsubscribed" };
}

/**
 * Unsubscribes the contact a message went to. Idempotent: a second click changes nothing. The contact
 * is suppressed in this transaction, so the next batch of any campaign skips them.
 */
export async function unsubscribeByToken(
  db: Db,
  { key, token, how }: { key: Buffer; token: string; how: "one-click" | "page" },
  now: Date,
): Promise<UnsubscribeTarget & { changed: boolean }> {
  const target = await resolveUnsubscribeToken(db, { key, token });
  const changed = await db.transaction(async (tx) => {
    // Message before contact, the order ingestion locks them in (a webhook about this recipient may
    // be applied at the same moment): never the other way round, which could deadlock.
    await tx.execute(sql`select 1 from messages where id = ${target.messageId}::uuid for update`);
    let contactChanged = false;
    if (target.contactId) {
      const rows = await tx
        .update(contacts)
        .set({ status: "unsubscribed", statusReason: how === "one-click" ? "One-click unsubscribe (List-Unsubscribe-Post)" : "Unsubscribe link", statusChangedAt: now, updatedAt: now })
        .where(sql`${contacts.id} = ${target.contactId} and ${contacts.status} = 'subscribed'`)
        .returning({ id: contacts.id });
      contactChanged = rows.length > 0;
      if (contactChanged) await enqueueContactUnsubscribed(tx, { contactId: target.contactId, email: target.email, reason: how === "one-click" ? "One-click unsubscribe" : "Unsubscribe link", messageId: target.messageId, at: now });
    }
    // The message ends as unsubscribed unless it already ended in another terminal outcome.
    const moved = await tx
      .update(messages)
      .set({ status: "unsubscribed", unsubscribedAt: now, updatedAt: now })
      .where(sql`${messages.id} = ${target.messageId} and ${messages.status} not in ('unsubscribed', 'bounced', 'spam_complaint', 'failed', 'suppressed', 'cancelled', 'queued', 'sending')`)
      .returning({ campaignId: messages.campaignId });
    if (moved[0]?.campaignId) await addOutcomeCounts(tx, { campaignId: moved[0].campaignId, messageId: target.messageId, delta: { unsubscribed: 1 } });
    return contactChanged || moved.length > 0;
  });
  return { ...target, changed };
}
