import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import type { OutboundEvent } from "./events";

/**
 * The outbox. Callers pass their open transaction: the deliveries commit (or roll back) with the
 * event that causes them, so an event is never announced without having happened, nor lost after.
 *
 * Fan-out is one statement per call whatever the number of endpoints (postline_enqueue_outbound in
 * db/functions/, also used by ingestion and the contacts trigger): the event row is written once, and
 * only when some active endpoint subscribes to it (most Email.Opened events have no subscriber, and
 * then cost one scan of a small table). A delivery is due from the moment its event happened (never
 * later than the insert).
 *
 * Each payload's data is built in one place:
 * - Email.* (Sent, Delivered, Opened, Clicked, Bounced, SpamComplaint): postline_email_data, in SQL,
 *   because ingestion builds them inside its one statement per batch; Email.Sent below calls it too.
 * - Contact.Unsubscribed: postline_contact_unsubscribed_data, in SQL, for ingestion and for
 *   enqueueContactUnsubscribed below (the unsubscribe link, a marketer).
 * - Contact.Updated: the contacts trigger (postline_contacts_updated).
 * - Contact.Tagged and Contact.Untagged: lib/contacts/tags.ts, in SQL, in the very statement that adds
 *   or removes the taggings (a bulk tagging or an import chunk is one statement, events included).
 * - Campaign.Sent and User.LoggedIn: here, in TypeScript (nothing else produces them).
 */

export async function enqueueOutboundEvents(tx: DbOrTx, events: OutboundEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const rows = events.map((e) => ({ event: e.event, data: e.data, occurred_at: e.occurredAt.toISOString() }));
  const result = await tx.execute<{ queued: number }>(sql`select postline_enqueue_outbound(${JSON.stringify(rows)}::jsonb) as queued`);
  return result.rows[0].queued;
}

/** One event into the outbox, in the caller's transaction. */
export async function enqueueOutboundEvent(tx: DbOrTx, event: OutboundEvent): Promise<number> {
  return enqueueOutboundEvents(tx, [event]);
}

/**
 * Hook for dispatch: Email.Sent for every message of a batch Postmark accepted, one statement for the
 * whole batch (rows as returned by the batch's update: those with a Postmark MessageID were sent).
 */
export async function enqueueEmailsSent(tx: DbOrTx, rows: { status: string; postmark_message_id: string | null }[]): Promise<number> {
  const ids = rows.filter((r) => r.status === "sent" && r.postmark_message_id).map((r) => r.postmark_message_id!);
  if (ids.length === 0) return 0;
  // Payloads are built only when some active endpoint subscribes (a campaign's batches usually have none).
  const result = await tx.execute<{ queued: number }>(sql`
    select postline_enqueue_outbound((
      select jsonb_agg(jsonb_build_object(
               'event', 'Email.Sent',
               'occurred_at', coalesce(m.sent_at, now()),
               'data', postline_email_data('Email.Sent', coalesce(m.sent_at, now()), null,
                                           m.id, m.postmark_message_id, m.campaign_id, m.contact_id, m.to_email, m.subject, m.tag))
             order by coalesce(m.sent_at, now()), m.id)
      from messages m
      where m.postmark_message_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
        and exists (select 1 from webhook_endpoints where status = 'active' and 'Email.Sent' = any(events)))) as queued`);
  return result.rows[0].queued;
}

/** Hook for dispatch: Campaign.Sent for campaigns that just finished (`now`: when a row has no completed_at). */
export async function enqueueCampaignsSent(tx: DbOrTx, { campaignIds, now }: { campaignIds: string[]; now: Date }): Promise<number> {
  if (campaignIds.length === 0) return 0;
  const result = await tx.execute<{ id: string; name: string; subject: string; recipient_count: number; sent_count: number; failed_count: number; suppressed_count: number; completed_at: string }>(sql`
    select id, name, subject, recipient_count, sent_count, failed_count, suppressed_count, completed_at::text
    from campaigns where id in (select (jsonb_array_elements_text(${JSON.stringify(campaignIds)}::jsonb))::uuid)`);
  return enqueueOutboundEvents(
    tx,
    result.rows.map((c) => {
      const at = c.completed_at ? new Date(c.completed_at) : now;
      return {
        event: "Campaign.Sent" as const,
        data: { campaign_id: c.id, name: c.name, subject: c.subject, recipients: c.recipient_count, sent: c.sent_count, failed: c.failed_count, suppressed: c.suppressed_count, completed_at: at.toISOString() },
        occurredAt: at,
      };
    }),
  );
}

/** Hook for Postline's own unsubscribe link and one-click header, and for a marketer's unsubscribe. */
export async function enqueueContactUnsubscribed(
  tx: DbOrTx,
  input: { contactId: string | null; email: string; reason: string; messageId: string | null; at: Date },
): Promise<number> {
  const at = input.at.toISOString();
  const result = await tx.execute<{ queued: number }>(sql`
    select postline_enqueue_outbound(jsonb_build_array(jsonb_build_object(
             'event', 'Contact.Unsubscribed',
             'occurred_at', ${at}::timestamptz,
             'data', postline_contact_unsubscribed_data(${input.contactId}::uuid, ${input.email}, ${input.reason}, ${input.messageId}::uuid, ${at}::timestamptz)))) as queued`);
  return result.rows[0].queued;
}

/** Hook for sign-in. */
export async function enqueueUserLoggedIn(tx: DbOrTx, { user, ip, at }: { user: { id: string; email: string; role: string }; ip: string; at: Date }): Promise<number> {
  return enqueueOutboundEvent(tx, {
    event: "User.LoggedIn",
    data: { user_id: user.id, email: user.email, role: user.role, ip, logged_in_at: at.toISOString() },
    occurredAt: at,
  });
}
