import { z } from "zod";
import type { WebhookRatePeriod } from "@/db/schema";

/** Every event an endpoint can subscribe to, in the order the dashboard lists them. */
export const WEBHOOK_EVENT_TYPES = [
  "Email.Sent",
  "Email.Delivered",
  "Email.Opened",
  "Email.Clicked",
  "Email.Bounced",
  "Email.SpamComplaint",
  "Contact.Unsubscribed",
  "Contact.Updated",
  "Contact.Tagged",
  "Contact.Untagged",
  "Contact.Subscribed",
  "Campaign.Sent",
  "Sequence.Enrolled",
  "Sequence.Completed",
  "Sequence.Exited",
  "User.LoggedIn",
  "Webhook.Test",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES, { error: `Unknown event; use one of ${WEBHOOK_EVENT_TYPES.join(", ")}` });

export const EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  "Email.Sent": "Postmark accepted a message",
  "Email.Delivered": "The recipient's server accepted a message",
  "Email.Opened": "A recipient opened a message",
  "Email.Clicked": "A recipient clicked a tracked link",
  "Email.Bounced": "A message bounced",
  "Email.SpamComplaint": "A recipient marked a message as spam",
  "Contact.Unsubscribed": "A contact unsubscribed",
  "Contact.Updated": "A contact's details or status changed",
  "Contact.Tagged": "A tag was added to a contact",
  "Contact.Untagged": "A tag was removed from a contact (or deleted)",
  "Contact.Subscribed": "A signup through a form was confirmed (with its consent record)",
  "Campaign.Sent": "A campaign finished sending",
  "Sequence.Enrolled": "A contact entered a sequence (a trigger, by hand or the API)",
  "Sequence.Completed": "A contact received the last email of a sequence",
  "Sequence.Exited": "A contact left a sequence early (unsubscribed, bounced, a tag, a list, removed)",
  "User.LoggedIn": "Someone signed in to Postline",
  "Webhook.Test": "A test sent from the dashboard or the API",
};

export const RATE_PERIOD_MS: Record<WebhookRatePeriod, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** An event as it goes into the outbox: the `data` of the payload and when it happened. */
export interface OutboundEvent {
  event: WebhookEventType;
  data: Record<string, unknown>;
  occurredAt: Date;
}

/** The payload every endpoint receives: `{ event, account_id, created_on (unix seconds), data }`. */
export function buildPayload(input: { event: string; accountId: string; occurredAt: Date; data: unknown }): string {
  return JSON.stringify({
    event: input.event,
    account_id: input.accountId,
    created_on: Math.floor(input.occurredAt.getTime() / 1000),
    data: input.data,
  });
}

/** Realistic sample data per event type, for the test tool. */
export function sampleEventData(event: WebhookEventType, now: Date): Record<string, unknown> {
  const message = {
    message_id: "00000000-0000-4000-8000-000000000001",
    postmark_message_id: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817",
    campaign_id: "00000000-0000-4000-8000-0000000000c1",
    contact_id: "00000000-0000-4000-8000-0000000000a1",
    recipient: "ada@example.com",
    subject: "Our spring newsletter",
    tag: null,
  };
  const at = now.toISOString();
  switch (event) {
    case "Email.Sent":
      return { ...message, sent_at: at };
    case "Email.Delivered":
      return { ...message, delivered_at: at, details: "smtp;250 2.0.0 OK" };
    case "Email.Opened":
      return { ...message, opened_at: at, first_open: true, platform: "Desktop", client: "Thunderbird", machine: { class: "human", reasons: ["client:Thunderbird"] } };
    case "Email.Clicked":
      return { ...message, clicked_at: at, link: "https://example.com/spring", platform: "Mobile", machine: { class: "human", reasons: ["client:Mobile Safari"] } };
    case "Email.Bounced":
      return { ...message, bounced_at: at, type: "HardBounce", description: "The server was unable to deliver your message", inactive: true };
    case "Email.SpamComplaint":
      return { ...message, complained_at: at };
    case "Contact.Unsubscribed":
      return { contact_id: message.contact_id, email: message.recipient, reason: "Unsubscribe link", message_id: message.message_id, unsubscribed_at: at };
    case "Contact.Updated":
      return { contact_id: message.contact_id, email: message.recipient, name: "Ada Lovelace", status: "subscribed", fields: { city: "London" }, status_reason: null, changed: ["fields"], updated_at: at };
    case "Contact.Tagged":
      return { contact_id: message.contact_id, email: message.recipient, tag: { id: "00000000-0000-4000-8000-0000000000d1", name: "VIP" }, tagged_at: at };
    case "Contact.Untagged":
      return { contact_id: message.contact_id, email: message.recipient, tag: { id: "00000000-0000-4000-8000-0000000000d1", name: "VIP" }, untagged_at: at };
    case "Contact.Subscribed":
      return {
        contact_id: message.contact_id,
        email: message.recipient,
        name: "Ada Lovelace",
        fields: { city: "London" },
        previous_status: "pending",
        form: { id: "00000000-0000-4000-8000-0000000000f1", name: "Newsletter" },
        lists: [{ id: "00000000-0000-4000-8000-0000000000e1", name: "Newsletter" }],
        tags: [{ id: "00000000-0000-4000-8000-0000000000d1", name: "VIP" }],
        consent: {
          signup_id: "00000000-0000-4000-8000-0000000000f2",
          form_id: "00000000-0000-4000-8000-0000000000f1",
          double_opt_in: true,
          submitted_at: at,
          submitted_ip: "203.0.113.7",
          submitted_user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
          shown_text: "Subscribe to our newsletter\nEmail (required)\nBy subscribing you agree to receive our emails.\n[Subscribe]",
          values: { email: message.recipient, name: "Ada Lovelace", "fields.city": "London" },
          expires_at: at,
          confirmed_at: at,
          confirmed_ip: "203.0.113.7",
          confirmed_user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
        },
        subscribed_at: at,
      };
    case "Campaign.Sent":
      return { campaign_id: message.campaign_id, name: "Spring newsletter", subject: message.subject, recipients: 1200, sent: 1188, failed: 2, suppressed: 10, completed_at: at };
    case "Sequence.Enrolled":
    case "Sequence.Completed":
    case "Sequence.Exited":
      return {
        enrollment_id: "00000000-0000-4000-8000-0000000000e7",
        sequence: { id: "00000000-0000-4000-8000-0000000000e8", name: "Welcome series" },
        contact_id: message.contact_id,
        email: message.recipient,
        status: event === "Sequence.Enrolled" ? "active" : event === "Sequence.Completed" ? "completed" : "exited",
        exit_reason: event === "Sequence.Exited" ? "tag_added" : null,
        emails_sent: event === "Sequence.Enrolled" ? 0 : 3,
        enrolled_at: at,
        completed_at: event === "Sequence.Completed" ? at : null,
        exited_at: event === "Sequence.Exited" ? at : null,
      };
    case "User.LoggedIn":
      return { user_id: "00000000-0000-4000-8000-0000000000b1", email: "admin@example.com", role: "admin", ip: "203.0.113.7", logged_in_at: at };
    case "Webhook.Test":
      return { message: "This is a test event from Postline.", sent_at: at };
  }
}
