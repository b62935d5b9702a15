/**
 * Postmark's JSON shapes, built on demand from a stored message and event so that a queue of 100,000
 * events holds references, not 100,000 payload objects. Key order follows the documented examples in
 * shared/postmark/webhooks and shared/postmark/api.
 */
import { agentFor } from "./machine-traffic";
import type { SandboxEvent, SandboxMessage, SandboxSuppression } from "./types";

export interface Address {
  Email: string;
  Name: string | null;
}

/** Splits `a@x, "Doe, J" <j@y>` on commas outside quotes and angle brackets. */
export function parseAddressList(value: string): Address[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  let angle = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "<" && !quoted) angle = true;
    else if (ch === ">" && !quoted) angle = false;
    if (ch === "," && !quoted && !angle) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  const out: Address[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) continue;
    const m = /^(.*)<([^>]*)>\s*$/.exec(part);
    if (m) {
      const name = m[1].trim().replace(/^"(.*)"$/, "$1").trim();
      out.push({ Email: m[2].trim(), Name: name || null });
    } else out.push({ Email: part, Name: null });
  }
  return out;
}

const EMAIL = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$|^[^\s@<>",;]+@[^\s@<>",;]+$/;
export function isValidEmail(email: string): boolean {
  return EMAIL.test(email);
}

export function inactiveMessage(addresses: string[]): string {
  // postmark.js parses the addresses out of exactly this text (InactiveRecipientsError.parseInactiveRecipients).
  return `You tried to send to a recipient that has been marked as inactive. Found inactive addresses: ${addresses.join(", ")}. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression. `;
}

// A few plausible readers, so opens and clicks do not all look identical.
const READERS = [
  {
    Platform: "WebMail",
    Client: { Name: "Chrome 35.0.1916.153", Company: "Google", Family: "Chrome" },
    OS: { Name: "OS X 10.7 Lion", Company: "Apple Computer, Inc.", Family: "OS X 10" },
    UserAgent:
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.153 Safari/537.36",
    Geo: {
      CountryISOCode: "RS",
      Country: "Serbia",
      RegionISOCode: "VO",
      Region: "Autonomna Pokrajina Vojvodina",
      City: "Novi Sad",
      Zip: "21000",
      Coords: "45.2517,19.8369",
      IP: "188.2.95.4",
    },
  },
  {
    Platform: "Mobile",
    Client: { Name: "Mobile Safari 17.4", Company: "Apple Inc.", Family: "Mobile Safari" },
    OS: { Name: "iOS 17.4", Company: "Apple Inc.", Family: "iOS" },
    UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    Geo: {
      CountryISOCode: "US",
      Country: "United States",
      RegionISOCode: "CA",
      Region: "California",
      City: "San Francisco",
      Zip: "94107",
      Coords: "37.7697,-122.3933",
      IP: "203.0.113.24",
    },
  },
  {
    Platform: "Desktop",
    Client: { Name: "Outlook 2019", Company: "Microsoft Corporation", Family: "Outlook" },
    OS: { Name: "Windows 10", Company: "Microsoft Corporation", Family: "Windows" },
    UserAgent: "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.10417; Pro)",
    Geo: {
      CountryISOCode: "DE",
      Country: "Germany",
      RegionISOCode: "BE",
      Region: "Berlin",
      City: "Berlin",
      Zip: "10115",
      Coords: "52.5200,13.4050",
      IP: "198.51.100.7",
    },
  },
] as const;

function readerFor(event: SandboxEvent) {
  // A planned open or click names who fetched it (machine-traffic.ts).
  if (event.actor && event.ip && (event.recordType === "Open" || event.recordType === "Click")) {
    const agent = agentFor(event.actor, event.ip, event.recordType);
    if (agent) {
      const { IP, ...rest } = agent;
      return { ...rest, Geo: { ...rest.Geo, IP } };
    }
  }
  // Events without a plan: derived from the timestamp so the same event always gets the same reader
  // (retries stay identical).
  return READERS[Date.parse(event.at) % READERS.length];
}

const BOUNCE_TEXT = {
  HardBounce: {
    TypeCode: 1,
    Name: "Hard bounce",
    Description: "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
    Details: "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
  },
  SoftBounce: {
    TypeCode: 4096,
    Name: "Soft bounce",
    Description: "Unable to temporarily deliver this email.",
    Details: "smtp;452 4.2.2 The email account that you tried to reach is over quota.",
  },
  SpamComplaint: {
    TypeCode: 100001,
    Name: "Spam complaint",
    Description: "The subscriber explicitly marked this message as spam.",
    Details: "Recipient marked the message as spam (feedback loop report).",
  },
} as const;

const DELIVERY_DETAILS = "smtp;250 2.0.0 OK (Postline Postmark sandbox)";

/** The webhook body for one event, exactly the keys and JSON types of the documented examples. */
export function webhookPayload(message: SandboxMessage, event: SandboxEvent, serverId: number): Record<string, unknown> {
  const common = { MessageID: message.messageId, Metadata: message.metadata, Tag: message.tag };
  switch (event.recordType) {
    case "Delivery":
      return {
        MessageID: common.MessageID,
        Recipient: event.recipient,
        DeliveredAt: event.at,
        Details: DELIVERY_DETAILS,
        Tag: common.Tag,
        ServerID: serverId,
        Metadata: common.Metadata,
        RecordType: "Delivery",
        MessageStream: message.stream,
      };
    case "Bounce":
    case "SpamComplaint": {
      const kind = event.recordType === "SpamComplaint" ? "SpamComplaint" : (event.bounceType ?? "HardBounce");
      const text = BOUNCE_TEXT[kind];
      const inactive = kind !== "SoftBounce";
      return {
        RecordType: event.recordType,
        MessageStream: message.stream,
        ID: event.bounceId ?? 0,
        Type: kind,
        TypeCode: text.TypeCode,
        Name: text.Name,
        Tag: common.Tag,
        MessageID: common.MessageID,
        Metadata: common.Metadata,
        ServerID: serverId,
        Description: text.Description,
        Details: text.Details,
        Email: event.recipient,
        From: message.from,
        BouncedAt: event.at,
        DumpAvailable: true,
        Inactive: inactive,
        // Postmark never lets a customer reactivate an address that complained.
        CanActivate: kind !== "SpamComplaint",
        Subject: message.subject,
        Content: bounceDump(message, event, text.Details),
      };
    }
    case "Open": {
      const r = readerFor(event);
      return {
        RecordType: "Open",
        MessageStream: message.stream,
        FirstOpen: event.firstOpen ?? true,
        Client: { ...r.Client },
        OS: { ...r.OS },
        Platform: r.Platform,
        UserAgent: r.UserAgent,
        Geo: { ...r.Geo },
        MessageID: common.MessageID,
        Metadata: common.Metadata,
        ReceivedAt: event.at,
        Tag: common.Tag,
        Recipient: event.recipient,
      };
    }
    case "Click": {
      const r = readerFor(event);
      return {
        RecordType: "Click",
        MessageStream: message.stream,
        ClickLocation: message.htmlBody !== null || message.textBody === null ? "HTML" : "Text",
        Client: { ...r.Client },
        OS: { ...r.OS },
        Platform: r.Platform,
        UserAgent: r.UserAgent,
        OriginalLink: event.link ?? "https://example.com/",
        Geo: { ...r.Geo },
        MessageID: common.MessageID,
        Metadata: common.Metadata,
        ReceivedAt: event.at,
        Tag: common.Tag,
        Recipient: event.recipient,
      };
    }
    case "SubscriptionChange":
      return {
        RecordType: "SubscriptionChange",
        MessageID: common.MessageID,
        ServerID: serverId,
        MessageStream: message.stream,
        ChangedAt: event.at,
        Recipient: event.recipient,
        Origin: "Recipient",
        SuppressSending: true,
        SuppressionReason: event.suppressionReason ?? "ManualSuppression",
        Tag: common.Tag,
        Metadata: common.Metadata,
      };
  }
}

/** SubscriptionChange for a suppression made through the API: no message, so MessageID is null (as documented). */
export function suppressionChangePayload(s: SandboxSuppression, suppress: boolean, serverId: number, at: string) {
  return {
    RecordType: "SubscriptionChange",
    MessageID: null,
    ServerID: serverId,
    MessageStream: s.stream,
    ChangedAt: at,
    Recipient: s.email,
    Origin: s.origin,
    SuppressSending: suppress,
    SuppressionReason: suppress ? s.reason : null,
    Tag: null,
    Metadata: {},
  };
}

function bounceDump(message: SandboxMessage, event: SandboxEvent, details: string): string {
  return [
    `Return-Path: <>`,
    `From: Mail Delivery System <MAILER-DAEMON@sandbox.postmarkapp.invalid>`,
    `To: ${message.from}`,
    `Subject: Undelivered Mail Returned to Sender`,
    `X-PM-Message-Id: ${message.messageId}`,
    ``,
    `Final-Recipient: rfc822; ${event.recipient}`,
    `Diagnostic-Code: ${details}`,
  ].join("\r\n");
}

/** One `MessageEvents` entry of the details API; Details values are strings, as Postmark sends them. */
export function messageEvent(message: SandboxMessage, event: SandboxEvent) {
  const e = eventTypeAndDetails(message, event);
  return { Recipient: event.recipient, Type: e.Type, ReceivedAt: event.at, Details: e.Details };
}

function eventTypeAndDetails(message: SandboxMessage, event: SandboxEvent): { Type: string; Details: Record<string, string> } {
  switch (event.recordType) {
    case "Delivery":
      return {
        Type: "Delivered",
        Details: {
          DeliveryMessage: DELIVERY_DETAILS,
          DestinationServer: `mx.${event.recipient.split("@")[1] ?? "example.com"} (127.0.0.1)`,
          DestinationIP: "127.0.0.1",
        },
      };
    case "Open":
      return { Type: "Opened", Details: { Summary: `Email opened with ${readerFor(event).UserAgent}` } };
    case "Click": {
      const link = event.link ?? "https://example.com/";
      const where = message.htmlBody !== null || message.textBody === null ? "HTML" : "Text";
      return {
        Type: "LinkClicked",
        Details: { Summary: `Tracked Link '${link}' was clicked from the ${where}Body.`, Link: link, ClickLocation: where },
      };
    }
    case "Bounce":
    case "SpamComplaint": {
      const kind = event.recordType === "SpamComplaint" ? "SpamComplaint" : (event.bounceType ?? "HardBounce");
      return { Type: "Bounced", Details: { Summary: BOUNCE_TEXT[kind].Details, BounceID: String(event.bounceId ?? 0) } };
    }
    case "SubscriptionChange":
      return { Type: "SubscriptionChanged", Details: { Origin: "Recipient", SuppressSending: "True" } };
  }
}

/** A message as `GET /messages/outbound` lists it. */
export function searchMessage(m: SandboxMessage) {
  return {
    Tag: m.tag,
    MessageID: m.messageId,
    MessageStream: m.stream,
    To: parseAddressList(m.to),
    Cc: parseAddressList(m.cc),
    Bcc: parseAddressList(m.bcc),
    Recipients: m.recipients,
    ReceivedAt: m.submittedAt,
    From: m.from,
    Subject: m.subject,
    Attachments: m.attachments,
    Status: "Sent",
    TrackOpens: m.trackOpens,
    TrackLinks: m.trackLinks,
    Metadata: m.metadata,
    Sandboxed: false,
  };
}

/** A message as `GET /messages/outbound/{id}/details` returns it. */
export function messageDetails(m: SandboxMessage) {
  return {
    TextBody: m.textBody ?? "",
    HtmlBody: m.htmlBody ?? "",
    Body: `Subject: ${m.subject}\r\nFrom: ${m.from}\r\nTo: ${m.to}\r\nX-PM-Message-Id: ${m.messageId}\r\n\r\n${m.textBody ?? m.htmlBody ?? ""}`,
    ...searchMessage(m),
    MessageEvents: m.events.map((e) => messageEvent(m, e)),
  };
}

export function suppressionEntry(s: SandboxSuppression) {
  return { EmailAddress: s.email, SuppressionReason: s.reason, Origin: s.origin, CreatedAt: s.createdAt };
}
