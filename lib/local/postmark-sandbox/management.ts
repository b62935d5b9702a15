/**
 * The sandbox's management APIs Postline calls besides sending (shared/postmark/MANAGEMENT.md):
 * suppressions per stream (c), bounces with activate (d), and, with the account token, domains and
 * sender signatures (e). Paths and query keys are matched case-insensitively (postmark.js calls
 * `/verifyDKIM` where the docs write `verifyDkim`, and sends camelCase query keys).
 */
import { canLift, type SandboxEngine } from "./engine";
import { webhookPayload, suppressionEntry } from "./payloads";
import { lowerCaseQuery } from "./search";
import type { SandboxDomain, SandboxMessage, SandboxSender } from "./types";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Paths served with `X-Postmark-Account-Token` instead of the server token. */
export function isAccountPath(path: string): boolean {
  return /^\/(domains|senders)(\/|$)/i.test(path);
}

const MAX_SUPPRESSIONS_PER_REQUEST = 50;
const MAX_COUNT = 500;
const DEFAULT_STREAMS = ["outbound", "broadcast", "inbound"];

export interface ManagementContext {
  engine: SandboxEngine;
  serverId: number;
  account: AccountState;
  /** Suppressions made or lifted through the API take this long to apply (Postmark: "up to a minute"). */
  suppressionDelayMs: () => number;
  parseJson(body: Buffer | null): unknown;
}

/** Domains and sender signatures the account has, as tests and the launcher set them. */
export class AccountState {
  domains: SandboxDomain[] = [];
  senders: SandboxSender[] = [];
  private nextId = 1;

  setDomains(list: Partial<SandboxDomain>[]): SandboxDomain[] {
    this.domains = list.map((d) => {
      if (!d.name) throw new HttpError(422, 511, "A domain needs a name.");
      return { id: d.id ?? this.nextId++, name: d.name.toLowerCase(), dkimVerified: d.dkimVerified ?? false, returnPathVerified: d.returnPathVerified ?? false, spfVerified: d.spfVerified ?? false, dkimDnsReady: d.dkimDnsReady ?? d.dkimVerified ?? false, returnPathDnsReady: d.returnPathDnsReady ?? d.returnPathVerified ?? false };
    });
    return this.domains;
  }

  setSenders(list: Partial<SandboxSender>[]): SandboxSender[] {
    this.senders = list.map((s) => {
      if (!s.emailAddress) throw new HttpError(422, 511, "A sender signature needs an emailAddress.");
      return { id: s.id ?? this.nextId++, emailAddress: s.emailAddress, name: s.name ?? s.emailAddress, confirmed: s.confirmed ?? true, dkimVerified: s.dkimVerified ?? false, returnPathVerified: s.returnPathVerified ?? false };
    });
    return this.senders;
  }
}

/** Answers a management route, or returns `undefined` when the path is not one of them. */
export function managementRoute(ctx: ManagementContext, method: string, path: string, url: URL, body: Buffer | null): unknown {
  const p = path.toLowerCase();
  let match = /^\/message-streams\/([^/]+)\/suppressions(\/dump|\/delete)?$/.exec(p);
  if (match) {
    // The stream ID as sent (IDs are lowercase by Postmark's rules, so lowering the path loses nothing).
    const stream = decodeURIComponent(match[1]);
    knownStream(ctx, stream);
    if (method === "GET" && match[2] === "/dump") return dumpSuppressions(ctx, stream, url.searchParams);
    if (method === "POST" && match[2] !== "/dump") return changeSuppressions(ctx, stream, body, match[2] === "/delete");
    return undefined;
  }
  if (method === "GET" && p === "/bounces") return listBounces(ctx, url.searchParams);
  match = /^\/bounces\/([^/]+)(\/dump|\/activate)?$/.exec(p);
  if (match) {
    const found = findBounce(ctx, match[1]);
    if (method === "GET" && !match[2]) return bounceObject(ctx, found.message, found.event);
    if (method === "GET" && match[2] === "/dump") return { Body: (webhookPayload(found.message, found.event, ctx.serverId) as { Content?: string }).Content ?? "" };
    if (method === "PUT" && match[2] === "/activate") return activate(ctx, found.message, found.event);
    return undefined;
  }
  if (method === "GET" && p === "/domains") return paged(ctx.account.domains.map(domainSummary), "Domains", url.searchParams);
  match = /^\/domains\/(\d+)(\/verifydkim|\/verifyreturnpath)?$/.exec(p);
  if (match) {
    const domain = ctx.account.domains.find((d) => d.id === Number(match![1]));
    if (!domain) throw new HttpError(422, 510, "Domain not found.");
    if (method === "GET" && !match[2]) return domainDetails(domain);
    // Verification looks at DNS again: what the test set as "DNS ready" becomes verified.
    if (method === "PUT" && match[2] === "/verifydkim") {
      domain.dkimVerified = domain.dkimDnsReady;
      return domainDetails(domain);
    }
    if (method === "PUT" && match[2] === "/verifyreturnpath") {
      domain.returnPathVerified = domain.returnPathDnsReady;
      return domainDetails(domain);
    }
    return undefined;
  }
  if (method === "GET" && p === "/senders") return paged(ctx.account.senders.map(senderSummary), "SenderSignatures", url.searchParams);
  match = /^\/senders\/(\d+)$/.exec(p);
  if (method === "GET" && match) {
    const sender = ctx.account.senders.find((s) => s.id === Number(match![1]));
    if (!sender) throw new HttpError(422, 501, "Sender signature not found.");
    return senderDetails(sender);
  }
  return undefined;
}

function knownStream(ctx: ManagementContext, stream: string): void {
  // The sandbox has no stream registry: a stream exists when it is a default one or was used.
  const known = DEFAULT_STREAMS.includes(stream) || ctx.engine.store.listSuppressions(stream).length > 0 || ctx.engine.store.all().some((m) => m.stream === stream);
  if (!known) throw new HttpError(422, 1226, "The message stream for the provided 'ID' was not found.");
}

function dayBound(value: string | undefined, end: boolean): number | null {
  if (!value) return null;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(t)) throw new HttpError(422, 1400, `Invalid date: ${value}.`);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && end ? t + 86_400_000 - 1 : t;
}

function dumpSuppressions(ctx: ManagementContext, stream: string, params: URLSearchParams) {
  const q = lowerCaseQuery(params);
  const email = q.get("emailaddress")?.toLowerCase();
  const reason = q.get("suppressionreason");
  const origin = q.get("origin");
  const from = dayBound(q.get("fromdate"), false);
  const to = dayBound(q.get("todate"), true);
  // count/offset (postmark.js always sends 100/0) are accepted and ignored: the dump is the whole list.
  const list = ctx.engine.store.listSuppressions(stream).filter((s) => {
    const at = Date.parse(s.createdAt);
    return (!email || s.email.toLowerCase() === email) && (!reason || s.reason === reason) && (!origin || s.origin === origin) && (from === null || at >= from) && (to === null || at <= to);
  });
  return { Suppressions: list.map(suppressionEntry) };
}

function changeSuppressions(ctx: ManagementContext, stream: string, body: Buffer | null, remove: boolean) {
  const input = ctx.parseJson(body) as { Suppressions?: { EmailAddress?: string }[] } | null;
  if (!input || !Array.isArray(input.Suppressions)) throw new HttpError(422, 402, 'Expected {"Suppressions": [{"EmailAddress": "…"}]}.');
  if (input.Suppressions.length > MAX_SUPPRESSIONS_PER_REQUEST) {
    throw new HttpError(422, 1410, `You can change up to ${MAX_SUPPRESSIONS_PER_REQUEST} suppressions per request.`);
  }
  const delay = ctx.suppressionDelayMs();
  return {
    Suppressions: input.Suppressions.map((s) => {
      const email = String(s?.EmailAddress ?? "");
      // Judged now (the answer says Failed at once); applied after the delay, as Postmark does.
      const check = remove ? ctx.engine.deleteSuppression.bind(ctx.engine) : ctx.engine.createSuppression.bind(ctx.engine);
      let result: { ok: boolean; message?: string };
      if (delay > 0) {
        result = remove ? preflightDelete(ctx, stream, email) : /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? { ok: true } : { ok: false, message: "An invalid email address was provided." };
        if (result.ok) setTimeout(() => check(stream, email), delay).unref();
      } else result = check(stream, email);
      return { EmailAddress: email, Status: result.ok ? (remove ? "Deleted" : "Suppressed") : "Failed", Message: result.ok ? null : (result.message ?? null) };
    }),
  };
}

function preflightDelete(ctx: ManagementContext, stream: string, email: string): { ok: boolean; message?: string } {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { ok: false, message: "An invalid email address was provided." };
  const existing = ctx.engine.store.listSuppressions(stream).find((s) => s.email.toLowerCase() === email.toLowerCase());
  return existing && !canLift(existing) ? { ok: false, message: "You do not have the required authority to change this suppression." } : { ok: true };
}

type BounceRecord = { message: SandboxMessage; event: SandboxMessage["events"][number] };

function findBounce(ctx: ManagementContext, rawId: string): BounceRecord {
  if (!/^\d+$/.test(rawId)) throw new HttpError(422, 1001, `Bounce ${rawId} was not found.`);
  const found = ctx.engine.listBounces().find((b) => b.event.bounceId === Number(rawId));
  if (!found) throw new HttpError(422, 1001, `Bounce ${rawId} was not found.`);
  return found;
}

/**
 * The Bounces API object: the webhook's fields without Metadata and Content, RecordType always
 * "Bounce" (a spam complaint is a bounce of Type SpamComplaint here), with `Inactive` and
 * `CanActivate` as they are now (a hard bounce whose address was reactivated is no longer inactive).
 */
function bounceObject(ctx: ManagementContext, m: SandboxMessage, e: SandboxMessage["events"][number]) {
  const { RecordType: _r, Metadata: _m, Content: _c, ...rest } = webhookPayload(m, e, ctx.serverId) as Record<string, unknown>;
  const kind = rest.Type;
  const inactive = kind !== "SoftBounce" && ctx.engine.store.isSuppressed(m.stream, e.recipient);
  return { RecordType: "Bounce", ...rest, Inactive: inactive, CanActivate: kind !== "SpamComplaint" && inactive };
}

function activate(ctx: ManagementContext, m: SandboxMessage, e: SandboxMessage["events"][number]) {
  if (e.recordType === "SpamComplaint") throw new HttpError(422, 1003, "You cannot activate a spam complaint: the recipient asked not to get your mail.");
  ctx.engine.activateBounce(m.stream, e.recipient);
  return { Message: "OK", Bounce: bounceObject(ctx, m, e) };
}

function listBounces(ctx: ManagementContext, params: URLSearchParams) {
  const q = lowerCaseQuery(params);
  const count = Number(q.get("count") ?? "");
  const offset = Number(q.get("offset") ?? "");
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT || !Number.isInteger(offset) || offset < 0) {
    throw new HttpError(422, 1000, "The 'count' (1–500) and 'offset' parameters are required.");
  }
  if (count + offset > 10_000) throw new HttpError(422, 1000, "The sum of 'count' and 'offset' must not exceed 10000.");
  const type = q.get("type");
  const email = q.get("emailfilter")?.toLowerCase();
  const tag = q.get("tag");
  const messageId = q.get("messageid")?.toLowerCase();
  const stream = q.get("messagestream");
  const inactive = q.get("inactive")?.toLowerCase();
  const matches = ctx.engine
    .listBounces()
    .map((b) => ({ ...b, object: bounceObject(ctx, b.message, b.event) }))
    .filter(({ message: m, event: e, object }) => {
      const kind = e.recordType === "SpamComplaint" ? "SpamComplaint" : e.bounceType;
      return (
        (!type || kind === type) &&
        (!email || e.recipient.toLowerCase().includes(email)) &&
        (!tag || m.tag === tag) &&
        (!messageId || m.messageId === messageId) &&
        (!stream || m.stream === stream) &&
        (inactive === undefined || String(object.Inactive) === inactive)
      );
    })
    .reverse();
  return { TotalCount: matches.length, Bounces: matches.slice(offset, offset + count).map((b) => b.object) };
}

function paged<T>(rows: T[], key: string, params: URLSearchParams) {
  const q = lowerCaseQuery(params);
  const count = Number(q.get("count") ?? "");
  const offset = Number(q.get("offset") ?? "");
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT || !Number.isInteger(offset) || offset < 0) {
    throw new HttpError(422, 500, "The 'count' (1–500) and 'offset' parameters are required.");
  }
  return { TotalCount: rows.length, [key]: rows.slice(offset, offset + count) };
}

function domainSummary(d: SandboxDomain) {
  return { ID: d.id, Name: d.name, SPFVerified: d.spfVerified, DKIMVerified: d.dkimVerified, WeakDKIM: false, ReturnPathDomainVerified: d.returnPathVerified };
}

function domainDetails(d: SandboxDomain) {
  return {
    ...domainSummary(d),
    SPFHost: d.name,
    SPFTextValue: "v=spf1 a mx include:spf.mtasv.net ~all",
    DKIMHost: d.dkimVerified ? `20261126pm._domainkey.${d.name}` : "",
    DKIMTextValue: d.dkimVerified ? "k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQsandbox" : "",
    DKIMPendingHost: d.dkimVerified ? "" : `20261126pm._domainkey.${d.name}`,
    DKIMPendingTextValue: d.dkimVerified ? "" : "k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQsandbox",
    DKIMRevokedHost: "",
    DKIMRevokedTextValue: "",
    SafeToRemoveRevokedKeyFromDNS: false,
    DKIMUpdateStatus: d.dkimVerified ? "Verified" : "Pending",
    ReturnPathDomain: `pm-bounces.${d.name}`,
    ReturnPathDomainCNAMEValue: "pm.mtasv.net",
  };
}

function senderDomain(s: SandboxSender): string {
  return s.emailAddress.slice(s.emailAddress.lastIndexOf("@") + 1).toLowerCase();
}

function senderSummary(s: SandboxSender) {
  return { ID: s.id, Name: s.name, Domain: senderDomain(s), EmailAddress: s.emailAddress, ReplyToEmailAddress: "", Confirmed: s.confirmed };
}

function senderDetails(s: SandboxSender) {
  const domain = senderDomain(s);
  return {
    ...senderSummary(s),
    SPFVerified: false,
    SPFHost: domain,
    SPFTextValue: "v=spf1 a mx include:spf.mtasv.net ~all",
    DKIMVerified: s.dkimVerified,
    WeakDKIM: false,
    DKIMHost: s.dkimVerified ? `20261126pm._domainkey.${domain}` : "",
    DKIMTextValue: s.dkimVerified ? "k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQsandbox" : "",
    DKIMPendingHost: s.dkimVerified ? "" : `20261126pm._domainkey.${domain}`,
    DKIMPendingTextValue: s.dkimVerified ? "" : "k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQsandbox",
    DKIMRevokedHost: "",
    DKIMRevokedTextValue: "",
    SafeToRemoveRevokedKeyFromDNS: false,
    DKIMUpdateStatus: s.dkimVerified ? "Verified" : "Pending",
    ReturnPathDomain: `pm-bounces.${domain}`,
    ReturnPathDomainVerified: s.returnPathVerified,
    ReturnPathDomainCNAMEValue: "pm.mtasv.net",
    ConfirmationPersonalNote: "",
  };
}
