import { createHash } from "node:crypto";
import type { PostmarkEvent, RecordType } from "./postmark-payload";

export type EventEffect =
  | { kind: "delivered" }
  | { kind: "opened" }
  | { kind: "clicked" }
  | { kind: "bounced"; suppress: boolean }
  | { kind: "delayed" }
  | { kind: "spam_complaint" }
  | { kind: "subscription"; suppress: boolean; reason: string | null };

export interface ExtractedEvent {
  eventKey: string;
  recordType: RecordType;
  postmarkMessageId: string | null;
  recipient: string;
  occurredAt: Date;
  effect: EventEffect;
  /** The few fields the UI shows without opening the raw JSON. */
  details: Record<string, unknown>;
}

// Bounce types that do not mean the message failed (Postmark reports them on the bounce webhook too).
const NOT_A_FAILURE = new Set(["Transient", "AutoResponder", "AddressChange", "Subscribe", "Unsubscribe", "OpenRelayTest", "ChallengeVerification", "VirusNotification", "SpamNotification", "DMARCPolicy"]);
// Postmark deactivates the address on these: our contact is suppressed too.
const SUPPRESSING = new Set(["HardBounce", "BadEmailAddress", "ManuallyDeactivated", "SpamComplaint", "Blocked"]);

/** Seconds precision: the webhook and the Messages API print the same instant with different digits. */
function instantKey(iso: string): string {
  return String(Math.floor(Date.parse(iso) / 1000));
}

/** Postmark's bounce ID is an int64; JSON.parse rounds it above 2^53, so read its digits from the text. */
export function rawBounceId(rawText: string | null, parsed: number | string | null | undefined): string | null {
  const match = rawText ? /"ID"\s*:\s*"?(\d{1,20})/.exec(rawText) : null;
  if (match) return match[1];
  return parsed === null || parsed === undefined ? null : String(parsed);
}

/**
 * The event key: Postmark sends no event id, so the key is built from what identifies one occurrence.
 * A retried post produces the same key (stored once); a second open has another ReceivedAt (kept).
 * Delivery happens once per recipient; bounces carry their own ID. Reconciliation builds the same
 * keys from the Messages API, so an event seen both ways is stored once.
 */
export function eventKeyFor(parts: (string | null | undefined)[]): string {
  return createHash("sha256").update(parts.map((p) => p ?? "").join("\u001f")).digest("hex").slice(0, 40);
}

export function extractPostmarkEvent(event: PostmarkEvent, rawText: string | null = null): ExtractedEvent {
  const base = { recordType: event.RecordType, postmarkMessageId: event.MessageID ?? null };
  switch (event.RecordType) {
    case "Delivery":
      return {
        ...base,
        recipient: event.Recipient,
        occurredAt: new Date(event.DeliveredAt),
        eventKey: eventKeyFor(["Delivery", event.MessageID, event.Recipient.toLowerCase()]),
        effect: { kind: "delivered" },
        details: { details: event.Details ?? null },
      };
    case "Bounce":
    case "SpamComplaint": {
      const id = rawBounceId(rawText, event.ID);
      const spam = event.RecordType === "SpamComplaint" || event.Type === "SpamComplaint";
      const effect: EventEffect = spam
        ? { kind: "spam_complaint" }
        : NOT_A_FAILURE.has(event.Type)
          ? { kind: "delayed" }
          : { kind: "bounced", suppress: SUPPRESSING.has(event.Type) || event.Inactive === true };
      return {
        ...base,
        recipient: event.Email,
        occurredAt: new Date(event.BouncedAt),
        eventKey: id ? eventKeyFor([event.RecordType, id]) : eventKeyFor([event.RecordType, event.MessageID, event.Email.toLowerCase(), event.Type, instantKey(event.BouncedAt)]),
        effect,
        details: { bounceId: id, type: event.Type, typeCode: event.TypeCode ?? null, description: event.Description ?? null, inactive: event.Inactive ?? null },
      };
    }
    case "Open":
      return {
        ...base,
        recipient: event.Recipient,
        occurredAt: new Date(event.ReceivedAt),
        eventKey: eventKeyFor(["Open", event.MessageID, event.Recipient.toLowerCase(), instantKey(event.ReceivedAt)]),
        effect: { kind: "opened" },
        details: { firstOpen: event.FirstOpen ?? null, platform: event.Platform ?? null, client: event.Client?.Name ?? null },
      };
    case "Click":
      return {
        ...base,
        recipient: event.Recipient,
        occurredAt: new Date(event.ReceivedAt),
        eventKey: eventKeyFor(["Click", event.MessageID, event.Recipient.toLowerCase(), event.OriginalLink ?? "", instantKey(event.ReceivedAt)]),
        effect: { kind: "clicked" },
        details: { link: event.OriginalLink ?? null, location: event.ClickLocation ?? null, platform: event.Platform ?? null },
      };
    case "SubscriptionChange":
      return {
        ...base,
        recipient: event.Recipient,
        occurredAt: new Date(event.ChangedAt),
        eventKey: eventKeyFor(["SubscriptionChange", event.MessageID ?? "", event.Recipient.toLowerCase(), instantKey(event.ChangedAt), String(event.SuppressSending)]),
        effect: { kind: "subscription", suppress: event.SuppressSending, reason: event.SuppressionReason ?? null },
        details: { origin: event.Origin ?? null, suppressSending: event.SuppressSending, reason: event.SuppressionReason ?? null },
      };
  }
}
