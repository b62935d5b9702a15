import type { PostmarkEvent } from "@/lib/ingest/postmark-payload";

/** One entry of `MessageEvents` in `GET /messages/outbound/{id}/details` (Details values are strings). */
export interface DetailsEvent {
  Recipient: string;
  Type: string;
  ReceivedAt: string;
  Details?: Record<string, string> | null;
}

export interface BounceInfo {
  ID: number | string;
  Type: string;
  TypeCode?: number;
  Inactive?: boolean;
  Description?: string;
  Email?: string;
  BouncedAt?: string;
}

/**
 * Turns the Messages API's view of a message into the same payloads the webhooks carry, so recovered
 * events go through the one ingestion path and get the same event keys (a recovered Delivery and a late
 * Delivery webhook are one event). A Bounced entry is looked up in the Bounces API to tell a spam
 * complaint from a bounce and to learn whether Postmark deactivated the address.
 */
export async function eventsFromDetails(
  { message, events }: { message: { MessageID: string; MessageStream?: string; Tag?: string; Metadata?: Record<string, string> }; events: DetailsEvent[] },
  { getBounce }: { getBounce: (id: string) => Promise<BounceInfo | null> },
): Promise<PostmarkEvent[]> {
  const common = { MessageID: message.MessageID, MessageStream: message.MessageStream ?? null, Tag: message.Tag ?? null, Metadata: message.Metadata ?? {} };
  const out: PostmarkEvent[] = [];
  let suppressionReason: "HardBounce" | "SpamComplaint" | "ManualSuppression" = "ManualSuppression";
  for (const e of events) {
    const d = e.Details ?? {};
    switch (e.Type) {
      case "Delivered":
        out.push({ RecordType: "Delivery", ...common, Recipient: e.Recipient, DeliveredAt: e.ReceivedAt, Details: d.DeliveryMessage ?? null });
        break;
      case "Opened":
        out.push({ RecordType: "Open", ...common, Recipient: e.Recipient, ReceivedAt: e.ReceivedAt, FirstOpen: !out.some((x) => x.RecordType === "Open") });
        break;
      case "LinkClicked":
        out.push({ RecordType: "Click", ...common, Recipient: e.Recipient, ReceivedAt: e.ReceivedAt, OriginalLink: d.Link ?? null, ClickLocation: d.ClickLocation ?? null });
        break;
      case "Bounced": {
        const bounce = d.BounceID ? await getBounce(d.BounceID) : null;
        const type = bounce?.Type ?? "HardBounce";
        const spam = type === "SpamComplaint";
        if (spam) suppressionReason = "SpamComplaint";
        else if (type === "HardBounce") suppressionReason = "HardBounce";
        out.push({
          RecordType: spam ? "SpamComplaint" : "Bounce",
          ...common,
          ID: d.BounceID ?? bounce?.ID ?? null,
          Type: type,
          TypeCode: bounce?.TypeCode ?? null,
          Email: e.Recipient,
          BouncedAt: bounce?.BouncedAt ?? e.ReceivedAt,
          Inactive: bounce?.Inactive ?? null,
          Description: bounce?.Description ?? d.Summary ?? null,
          Details: d.Summary ?? null,
        });
        break;
      }
      case "SubscriptionChanged": {
        const suppress = (d.SuppressSending ?? "True").toLowerCase() === "true";
        out.push({
          RecordType: "SubscriptionChange",
          ...common,
          Recipient: e.Recipient,
          ChangedAt: e.ReceivedAt,
          Origin: d.Origin ?? null,
          SuppressSending: suppress,
          SuppressionReason: suppress ? suppressionReason : null,
        });
        break;
      }
      // Transient ("message delayed") and unknown types carry no status change.
    }
  }
  return out;
}
