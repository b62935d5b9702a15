import { hash } from "node:crypto";
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

/**
 * Postmark's bounce ID is an int64; JSON.parse rounds it above 2^53, so its digits are read from the
 * text. Only the top-level `ID` counts: Metadata (which a sender fills freely, and which Postmark's own
 * test payloads put first) or any other nested value may hold an `ID` of its own.
 */
export function rawBounceId(rawText: string | null, parsed: number | string | null | undefined): string | null {
  const text = rawText === null ? null : topLevelValueText(rawText, "ID");
  const digits = text === null ? null : /^"?(\d{1,20})"?$/.exec(text);
  if (digits) return digits[1];
  return parsed === null || parsed === undefined ? null : String(parsed);
}

/**
 * The source text of the member `name` of a JSON object's top level (the last one, as JSON.parse
 * keeps it), or null when the text is not one object or has no such member. A tokenizer, not a search:
 * strings (with their escapes) and nested objects and arrays are stepped over whole, never looked into.
 */
export function topLevelValueText(json: string, name: string): string | null {
  const skipSpace = (i: number) => {
    while (i < json.length && (json[i] === " " || json[i] === "\t" || json[i] === "\n" || json[i] === "\r")) i++;
    return i;
  };
  // From an opening quote to just after its closing quote; -1 when unterminated.
  const skipString = (i: number) => {
    for (let j = i + 1; j < json.length; j++) {
      if (json[j] === "\\") j++;
      else if (json[j] === '"') return j + 1;
    }
    return -1;
  };
  const skipValue = (i: number) => {
    if (json[i] === '"') return skipString(i);
    if (json[i] === "{" || json[i] === "[") {
      let depth = 0;
      for (let j = i; j < json.length; ) {
        const c = json[j];
        if (c === '"') {
          j = skipString(j);
          if (j < 0) return -1;
          continue;
        }
        if (c === "{" || c === "[") depth++;
        else if ((c === "}" || c === "]") && --depth === 0) return j + 1;
        j++;
      }
      return -1;
    }
    let j = i; // a number, true, false or null
    while (j < json.length && /[-+.\w]/.test(json[j])) j++;
    return j > i ? j : -1;
  };

  let i = skipSpace(0);
  if (json[i] !== "{") return null;
  i = skipSpace(i + 1);
  if (json[i] === "}") return null;
  let found: string | null = null;
  for (;;) {
    if (json[i] !== '"') return null;
    const keyEnd = skipString(i);
    if (keyEnd < 0) return null;
    let key: unknown;
    try {
      key = JSON.parse(json.slice(i, keyEnd)); // decodes escapes: "\u0049D" is "ID"
    } catch {
      return null;
    }
    i = skipSpace(keyEnd);
    if (json[i] !== ":") return null;
    const valueStart = skipSpace(i + 1);
    const valueEnd = skipValue(valueStart);
    if (valueEnd < 0) return null;
    if (key === name) found = json.slice(valueStart, valueEnd);
    i = skipSpace(valueEnd);
    if (json[i] === "}") return found;
    if (json[i] !== ",") return null;
    i = skipSpace(i + 1);
  }
}

/**
 * The event key: Postmark sends no event id, so the key is built from what identifies one occurrence.
 * A retried post produces the same key (stored once); a second open has another ReceivedAt (kept).
 * Delivery happens once per recipient; bounces carry their own ID. Reconciliation builds the same
 * keys from the Messages API, so an event seen both ways is stored once.
 */
export function eventKeyFor(parts: (string | null | undefined)[]): string {
  return hash("sha256", parts.map((p) => p ?? "").join("\u001f"), "hex").slice(0, 40);
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
