import type { EngagementPlan, Pace } from "./machine-traffic";
import type { SandboxStream } from "./webhooks-api";

/** Outcomes a recipient can have; the same words force them from the address's local part. */
export const OUTCOMES = ["delivered", "open", "click", "hardbounce", "softbounce", "spam", "unsubscribe"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Probabilities per recipient; a recipient whose address forces an outcome ignores them. */
export interface SandboxRates {
  open: number;
  click: number;
  hardbounce: number;
  softbounce: number;
  spam: number;
  unsubscribe: number;
  /** Share of opens that are Apple Mail Privacy Protection's prefetch at delivery (the person's own read is then invisible). */
  mpp: number;
  /** Share of recipients (delivered, opened or clicked) whose mail gateway's scanner clicks every link seconds after delivery. */
  scanner: number;
  /** Share of the other opens fetched through Gmail's (or Yahoo's) image proxy. */
  proxy: number;
}

export interface SandboxFaults {
  /** Added before every Postmark API call is answered (not the `/__sandbox/` control API). */
  latencyMs?: number;
  /** Fraction of API calls refused with HTTP 429 (nothing is accepted). */
  rate429?: number;
  /**
   * The next N sends (`POST /email`, `/email/batch`) after these faults are set are refused with 429
   * before any rate is drawn, so a drill with few calls is sure to see one.
   */
  first429Sends?: number;
  /** Fraction of API calls refused with HTTP 500 (nothing is accepted). */
  rate5xx?: number;
  /**
   * Fraction of API calls that never get an answer: the sandbox holds the connection until the client
   * gives up (or `timeoutHangMs` passes, then it drops the socket).
   */
  timeoutRate?: number;
  /**
   * Whether a send that "times out" was accepted anyway (default true). True models the case that
   * matters for idempotency: Postmark took the message, the answer was lost, and the caller must find
   * it by searching before it sends again. False models a request that died before Postmark saw it.
   */
  timeoutAccepts?: boolean;
  /** Upper bound for holding a timed-out request open (default 300 000 ms). */
  timeoutHangMs?: number;
}

export interface SandboxWebhook {
  url: string;
  /** Custom headers Postmark is configured to send (HttpHeaders), e.g. `X-Webhook-Secret`. */
  headers?: Record<string, string>;
  /** Postmark's HttpAuth; credentials in the URL (`https://user:pass@host/…`) work too. */
  basicAuth?: { username: string; password: string };
}

export interface SandboxOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  serverToken: string;
  /**
   * The webhook a stream's events go to while the Webhooks API gives that stream none (every trigger
   * on): a server whose webhook was set up by hand. A stream's own API webhooks replace it.
   */
  webhook?: SandboxWebhook | null;
  /** The server's message streams (the Webhooks API refuses others). Default outbound, inbound, broadcast. */
  messageStreams?: SandboxStream[];
  rates?: Partial<SandboxRates>;
  /** Wait before a message's first event fires; each later event of the same message waits this again. */
  delayMs?: number;
  /** Fraction of webhook posts silently never sent (the event still exists in the Messages API). */
  dropRate?: number;
  faults?: SandboxFaults;
  /** Waits before each webhook retry (Postmark: minutes). Its length is the number of retries. */
  retryScheduleMs?: number[];
  /** Per-post timeout; a timeout is retried like a 5xx. */
  webhookTimeoutMs?: number;
  /** Webhook posts in flight at once. */
  webhookConcurrency?: number;
  /** Append-only NDJSON log of messages and events, replayed on start. */
  dataFile?: string;
  /** Keep HtmlBody/TextBody (details API, tests). Off saves memory in long benchmarks. */
  keepBodies?: boolean;
  /** The ServerID put in webhook payloads. */
  serverId?: number;
  random?: () => number;
  /** Draws the timing and machine traffic of opens and clicks (its own generator, so `random`'s outcome draws stay as they were). */
  engagementRandom?: () => number;
  /**
   * How soon people open and click after delivery (machine-traffic.ts `Pace`): `real`, `demo` or
   * `fast`. Default `fast` (tests, drills, benchmarks); the launcher passes POSTMARK_SANDBOX_PACE,
   * `demo` when unset.
   */
  pace?: Pace;
  /** `virtual`: a simulated clock that only flush() moves (in-process runs; see EngineOptions.clock). Default `real`. */
  clock?: "real" | "virtual";
  now?: () => Date;
  /**
   * The token the account APIs (domains, sender signatures) accept in `X-Postmark-Account-Token`.
   * Unset: every account call is answered 401, as Postmark does for a wrong token.
   */
  accountToken?: string;
  /** The account's domains and sender signatures (also `POST /__sandbox/domains` and `/__sandbox/senders`). */
  domains?: Partial<SandboxDomain>[];
  senders?: Partial<SandboxSender>[];
  /** Suppressions made or lifted through the API apply after this delay (default 0; Postmark: up to a minute). */
  suppressionDelayMs?: number;
  /** Called for unexpected internal errors (a webhook target that throws, a data file that fails). */
  log?: (message: string) => void;
}

/** Webhook RecordTypes the sandbox produces (Transient exists only in the Messages API). */
export type RecordType = "Delivery" | "Bounce" | "SpamComplaint" | "Open" | "Click" | "SubscriptionChange";

export interface SandboxEvent {
  recordType: RecordType;
  recipient: string;
  /** ISO timestamp of the event. */
  at: string;
  bounceId?: number;
  bounceType?: "HardBounce" | "SoftBounce";
  suppressionReason?: "HardBounce" | "SpamComplaint" | "ManualSuppression";
  link?: string;
  /** Opens and clicks planned with machine-traffic.ts: who fetched (`person:1`, `apple-mpp`, `scanner:mimecast`…) and from where. */
  actor?: string;
  ip?: string;
  firstOpen?: boolean;
  /** Ground truth for benchmarks: what really made this open or click. Never in a payload. */
  truth?: "human" | "apple_mpp" | "image_proxy" | "link_scanner";
  /** What happened to its webhook: posted (2xx), pending, dropped (drop rate), silent, failed, no-webhook. */
  webhook: "pending" | "posted" | "silent" | "dropped" | "failed" | "no-webhook";
}

export interface SandboxRecipientPlan {
  email: string;
  outcome: Outcome;
  silent: boolean;
  /** Opens' and clicks' timing and machine traffic (absent for plans made before it existed, and for outcomes without engagement). */
  engagement?: EngagementPlan;
}

/** One accepted message as the sandbox keeps it. Treat as read-only. */
export interface SandboxMessage {
  messageId: string;
  /** The `To` field as sent (may hold several comma-separated addresses). */
  to: string;
  cc: string;
  bcc: string;
  /** Every address the message went to (To, Cc, Bcc), bare and as sent. */
  recipients: string[];
  from: string;
  subject: string;
  tag: string;
  metadata: Record<string, string>;
  stream: string;
  submittedAt: string;
  htmlBody: string | null;
  textBody: string | null;
  headers: { Name: string; Value: string }[];
  trackOpens: boolean;
  trackLinks: string;
  attachments: string[];
  plans: SandboxRecipientPlan[];
  events: SandboxEvent[];
}

export interface SandboxSuppression {
  email: string;
  stream: string;
  reason: "HardBounce" | "SpamComplaint" | "ManualSuppression";
  origin: "Recipient" | "Customer" | "Admin";
  createdAt: string;
}

export interface SandboxStats {
  apiCalls: Record<string, number>;
  /** Messages accepted. */
  sent: number;
  /** Send entries refused (validation, inactive recipients). */
  rejected: number;
  faults: { latency: number; rate429: number; rate5xx: number; timeouts: number };
  events: number;
  /** Webhook POST attempts, retries included. */
  webhookPosts: number;
  /** Events whose webhook was answered 2xx. */
  webhookDelivered: number;
  /** Attempts that failed (non-2xx, network error, timeout). */
  webhookFailures: number;
  webhookRetries: number;
  /** Events given up on: a non-retryable 4xx or retries exhausted. */
  webhookGivenUp: number;
  /** Events not posted because of the drop rate. */
  dropped: number;
  /** Events not posted because the recipient was `.silent`. */
  silenced: number;
  /** Events that fired while no webhook was configured. */
  unconfigured: number;
  /** Work not finished yet: events to fire, posts queued, posts in flight, retries waiting. */
  pending: { events: number; queued: number; inFlight: number; retries: number };
}

/** A domain on the account (Domains API). `*DnsReady`: what a verify call finds in DNS (default: the verified flag). */
export interface SandboxDomain {
  id: number;
  name: string;
  spfVerified: boolean;
  dkimVerified: boolean;
  returnPathVerified: boolean;
  dkimDnsReady: boolean;
  returnPathDnsReady: boolean;
}

/** A sender signature on the account (Sender Signatures API). */
export interface SandboxSender {
  id: number;
  emailAddress: string;
  name: string;
  confirmed: boolean;
  dkimVerified: boolean;
  returnPathVerified: boolean;
}
