import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import type { ExtractedEvent } from "@/lib/ingest/extract";
import type { OutboundEvent, WebhookEventType } from "./events";

/**
 * The outbox. Callers pass their open transaction: the deliveries commit (or roll back) with the
 * event that causes them, so an event is never announced without having happened, nor lost after.
 *
 * Fan-out is one statement per call whatever the number of endpoints (postline_enqueue_outbound, in
 * migration 0007, also used by ingestion and the contacts trigger): the event row is written once, and
 * only when some active endpoint subscribes to it (most Email.Opened events have no subscriber, and
 * then cost one scan of a small table). A delivery is due from the moment its event happened (never
 * later than the insert).
 */

export async function enqueueOutboundEvents(tx: DbOrTx, events: OutboundEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  // One implementation of the fan-out, in PostgreSQL (migration 0007), shared with ingestion and the
  // contacts trigger.
  const rows = events.map((e) => ({ event: e.event, data: e.data, occurred_at: e.occurredAt.toISOString() }));
  const result = await tx.execute<{ queued: number }>(sql`select postline_enqueue_outbound(${JSON.stringify(rows)}::jsonb) as queued`);
  return result.rows[0].queued;
}

/** One event into the outbox, in the caller's transaction. */
export async function enqueueOutboundEvent(tx: DbOrTx, event: OutboundEvent): Promise<number> {
  return enqueueOutboundEvents(tx, [event]);
}

/**
 * What a stored Postmark event announces, without the message part: ingestion (in PostgreSQL, see
 * postline_apply_events) adds the message's ids, recipient, subject and tag for shape "message", or the contact and message
 * ids for shape "contact". Null: nothing to announce.
 */
export function outboundPartsForIngested(e: ExtractedEvent): { event: WebhookEventType; shape: "message" | "contact"; data: Record<string, unknown> } | null {
  const at = e.occurredAt.toISOString();
  const d = e.details;
  switch (e.effect.kind) {
    case "delivered":
      return { event: "Email.Delivered", shape: "message", data: { delivered_at: at, details: d.details ?? null } };
    case "opened":
      return { event: "Email.Opened", shape: "message", data: { opened_at: at, first_open: d.firstOpen ?? null, platform: d.platform ?? null, client: d.client ?? null } };
    case "clicked":
      return { event: "Email.Clicked", shape: "message", data: { clicked_at: at, link: d.link ?? null, platform: d.platform ?? null } };
    case "bounced":
      return { event: "Email.Bounced", shape: "message", data: { bounced_at: at, type: d.type ?? null, description: d.description ?? null, inactive: d.inactive ?? null } };
    case "spam_complaint":
      return { event: "Email.SpamComplaint", shape: "message", data: { complained_at: at } };
    case "subscription":
      // Only the recipient's own unsubscribe; suppressions after a bounce or complaint have their event.
      if (!e.effect.suppress || (e.effect.reason !== "ManualSuppression" && e.effect.reason !== null)) return null;
      return { event: "Contact.Unsubscribed", shape: "contact", data: { email: e.recipient, reason: "Unsubscribed through Postmark", unsubscribed_at: at } };
    case "delayed":
      return null;
  }
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
               'data', jsonb_build_object(
                 'message_id', m.id, 'postmark_message_id', m.postmark_message_id, 'campaign_id', m.campaign_id, 'contact_id', m.contact_id,
                 'recipient', m.to_email, 'subject', m.subject, 'tag', m.tag,
                 'sent_at', to_char(coalesce(m.sent_at, now()) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
             order by coalesce(m.sent_at, now()), m.id)
      from messages m
      where m.postmark_message_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
        and exists (select 1 from webhook_endpoints where status = 'active' and 'Email.Sent' = any(events)))) as queued`);
  return result.rows[0].queued;
}

/** Hook for dispatch: Campaign.Sent for campaigns that just finished. */
export async function enqueueCampaignsSent(tx: DbOrTx, campaignIds: string[]): Promise<number> {
  if (campaignIds.length === 0) return 0;
  const result = await tx.execute<{ id: string; name: string; subject: string; recipient_count: number; sent_count: number; failed_count: number; suppressed_count: number; completed_at: string }>(sql`
    select id, name, subject, recipient_count, sent_count, failed_count, suppressed_count, completed_at::text
    from campaigns where id in (select (jsonb_array_elements_text(${JSON.stringify(campaignIds)}::jsonb))::uuid)`);
  return enqueueOutboundEvents(
    tx,
    result.rows.map((c) => {
      const at = c.completed_at ? new Date(c.completed_at) : new Date();
      return {
        event: "Campaign.Sent" as const,
        data: { campaign_id: c.id, name: c.name, subject: c.subject, recipients: c.recipient_count, sent: c.sent_count, failed: c.failed_count, suppressed: c.suppressed_count, completed_at: at.toISOString() },
        occurredAt: at,
      };
    }),
  );
}

/** Hook for Postline's own unsubscribe link and one-click header. */
export async function enqueueContactUnsubscribed(
  tx: DbOrTx,
  input: { contactId: string | null; email: string; reason: string; messageId: string | null; at: Date },
): Promise<number> {
  return enqueueOutboundEvent(tx, {
    event: "Contact.Unsubscribed",
    data: { contact_id: input.contactId, email: input.email, reason: input.reason, message_id: input.messageId, unsubscribed_at: input.at.toISOString() },
    occurredAt: input.at,
  });
}

/** Hook for sign-in. */
export async function enqueueUserLoggedIn(tx: DbOrTx, user: { id: string; email: string; role: string }, ip: string, at: Date): Promise<number> {
  return enqueueOutboundEvent(tx, {
    event: "User.LoggedIn",
    data: { user_id: user.id, email: user.email, role: user.role, ip, logged_in_at: at.toISOString() },
    occurredAt: at,
  });
}
