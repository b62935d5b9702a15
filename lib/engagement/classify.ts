/**
 * Is an Open or Click a person, Apple's MPP proxy, a webmail image proxy or a link scanner? A pure
 * function of the event's own facts and its message's engagement so far (the `MessageEngagement` kept
 * per message, see state.ts), so ingestion and reconciliation classify the same event the same way.
 *
 * Evaluation order (ENGAGEMENT.md §c, first match decides; the reasons name every signal that fired):
 * honeypot → scanner user agent → scanner network → multi-link burst → click timing → MPP → image
 * proxy → unrecognisable client → human.
 */
import { NetworkSet, parseIp } from "./ip-ranges";
import { ENGAGEMENT_RULES, type EngagementClass, type EngagementRules } from "./rules";
import type { MessageEngagement } from "./state";

export interface EngagementEvent {
  recordType: "Open" | "Click";
  /** Postmark's ReceivedAt. */
  at: Date;
  userAgent: string | null;
  /** Geo.IP. */
  ip: string | null;
  /** Client.Family / OS.Family / Platform as Postmark parsed them ("Unknown" when it could not). */
  clientFamily: string | null;
  osFamily: string | null;
  platform: string | null;
  /** OriginalLink (clicks). */
  link: string | null;
  /** The click was on the campaign's hidden honeypot link (ingestion compares OriginalLink). */
  honeypot: boolean;
}

export interface EngagementVerdict {
  class: EngagementClass;
  reasons: string[];
  rulesVersion: string;
}

/** Rules with their networks compiled; build once per rules version (module load), reuse per event. */
export interface CompiledRules {
  rules: EngagementRules;
  networks: NetworkSet;
  networkClass: Map<string, EngagementClass>;
}

export function compileRules(rules: EngagementRules): CompiledRules {
  return {
    rules,
    networks: new NetworkSet(rules.networks.map((n) => ({ name: n.code, cidrs: n.cidrs }))),
    networkClass: new Map(rules.networks.map((n) => [n.code, n.class])),
  };
}

let defaultCompiled: CompiledRules | null = null;
function defaults(): CompiledRules {
  return (defaultCompiled ??= compileRules(ENGAGEMENT_RULES));
}

const UNKNOWN_WORDS = new Set(["", "unknown", "other"]);
function known(value: string | null): boolean {
  return value !== null && !UNKNOWN_WORDS.has(value.trim().toLowerCase());
}

/** A user agent a mail client or browser sends: a product token with a platform comment, or a known client. */
function looksLikeClient(ua: string): boolean {
  return /^[\w.-]+\/[\w.]+ \(/.test(ua) || /Outlook|Thunderbird|Apple ?Mail|AppleWebKit|Gecko\//.test(ua);
}

const seconds = (a: Date, b: Date) => (a.getTime() - b.getTime()) / 1000;

export function classifyEngagement(event: EngagementEvent, message: MessageEngagement, compiled: CompiledRules = defaults()): EngagementVerdict {
  const { rules } = compiled;
  const w = rules.windows;
  const verdict = (cls: EngagementClass, reasons: string[]): EngagementVerdict => ({ class: cls, reasons, rulesVersion: rules.version });
  const ua = (event.userAgent ?? "").trim();
  const ip = event.ip ? parseIp(event.ip) : null;
  const network = ip ? compiled.networks.lookup(ip) : null;
  const networkClass = network ? compiled.networkClass.get(network)! : null;
  const uaRule = ua ? rules.userAgents.find((r) => (r.exact !== undefined ? ua === r.exact : r.contains !== undefined && ua.includes(r.contains))) : undefined;
  const reference = message.deliveredAt ?? message.sentAt;
  const sinceDelivery = reference ? seconds(event.at, reference) : null;
  const isClick = event.recordType === "Click";

  // Scanner signals, all of them named. Honeypot: no person can see or reach that link.
  const scanner: string[] = [];
  if (isClick && event.honeypot) scanner.push("honeypot");
  else if (isClick && message.honeypotAt && Math.abs(seconds(event.at, message.honeypotAt)) <= w.honeypot) scanner.push(`honeypot:within-${w.honeypot}s`);
  if (uaRule?.class === "link_scanner") scanner.push(`ua:${uaRule.code}`);
  if (networkClass === "link_scanner") scanner.push(`net:${network}`);
  if (isClick) {
    // Several links within a second or two: one machine walking the message.
    if (message.recentClicks.some((c) => c.link !== event.link && Math.abs(seconds(event.at, c.at)) <= w.burst)) scanner.push("pattern:multi-link-burst");
    // Webhooks arrive out of order, so "before" is by timestamp.
    const humanOpenBefore = message.firstHumanOpenAt !== null && message.firstHumanOpenAt.getTime() <= event.at.getTime();
    if (sinceDelivery !== null && sinceDelivery <= w.clickAfterDelivery) scanner.push(`timing:click-within-${w.clickAfterDelivery}s-of-delivery`);
    else if (sinceDelivery !== null && sinceDelivery <= w.clickBeforeOpen && !humanOpenBefore) {
      scanner.push(`timing:click-within-${w.clickBeforeOpen}s-of-delivery`, "pattern:click-before-open");
    }
  }
  if (scanner.length) return verdict("link_scanner", scanner);

  if (isClick) {
    // MPP only fetches images: a click from Apple's relay is a person on Private Relay, and a click
    // is never `apple_mpp`. Empty or bare user agents decide nothing.
    if (!ua) return verdict("unknown", ["ua:empty"]);
    if (rules.appleMppUserAgents.includes(ua) || (!looksLikeClient(ua) && !known(event.clientFamily))) return verdict("unknown", ["ua:unrecognised"]);
    return verdict("human", [known(event.clientFamily) ? `client:${event.clientFamily}` : "ua:client"]);
  }

  // Opens.
  if (rules.appleMppUserAgents.includes(ua)) {
    if (networkClass === "apple_mpp") return verdict("apple_mpp", [`ua:${ua}`, `net:${network}`]);
    if (sinceDelivery !== null && sinceDelivery <= w.mppAfterDelivery) return verdict("apple_mpp", [`ua:${ua}`, `timing:open-within-${w.mppAfterDelivery}s-of-delivery`]);
    return verdict("unknown", [`ua:${ua}`]);
  }
  if (uaRule?.class === "image_proxy") return verdict("image_proxy", [`ua:${uaRule.code}`]);
  if (!ua) return verdict("unknown", ["ua:empty"]);
  if (!looksLikeClient(ua) && !known(event.clientFamily)) return verdict("unknown", ["ua:unrecognised"]);
  if (sinceDelivery !== null && sinceDelivery < w.openAfterDelivery) return verdict("unknown", [`timing:open-within-${w.openAfterDelivery}s-of-delivery`]);
  return verdict("human", [known(event.clientFamily) ? `client:${event.clientFamily}` : "ua:client"]);
}

/** The fields of Postmark's Open and Click webhooks (and the Messages API's) that classification reads. */
export interface PostmarkEngagementFields {
  RecordType: "Open" | "Click";
  ReceivedAt: string;
  UserAgent?: string | null;
  Client?: { Family?: string | null; Name?: string | null } | null;
  OS?: { Family?: string | null } | null;
  Platform?: string | null;
  Geo?: { IP?: string | null } | null;
  OriginalLink?: string | null;
}

/** The classifier's view of a Postmark payload; `honeypotLink` is the campaign's hidden link, if any. */
export function engagementEventFromPostmark(payload: PostmarkEngagementFields, honeypotLink: string | null = null): EngagementEvent {
  const link = payload.RecordType === "Click" ? (payload.OriginalLink ?? null) : null;
  return {
    recordType: payload.RecordType,
    at: new Date(payload.ReceivedAt),
    userAgent: payload.UserAgent ?? null,
    ip: payload.Geo?.IP || null,
    clientFamily: payload.Client?.Family ?? null,
    osFamily: payload.OS?.Family ?? null,
    platform: payload.Platform ?? null,
    link,
    honeypot: honeypotLink !== null && link === honeypotLink,
  };
}
