/**
 * What the engagement classifier knows, as data: bump `version` on any change (each stored
 * classification names the version that made it). Adding a fetcher is one line in `userAgents` or
 * `networks`. Sources: ../shared/postmark/ENGAGEMENT.md §b (tags in brackets are its source key).
 */
import { APPLE_RELAY_SNAPSHOT } from "./apple-relay-ranges";

export type EngagementClass = "human" | "apple_mpp" | "image_proxy" | "link_scanner" | "unknown";
export const ENGAGEMENT_CLASSES: readonly EngagementClass[] = ["human", "apple_mpp", "image_proxy", "link_scanner", "unknown"];

export interface UserAgentRule {
  /** The reason code after `ua:`; stable, short. */
  code: string;
  class: Exclude<EngagementClass, "human" | "unknown">;
  /** Case-sensitive: exactly this UA, or containing this text. */
  exact?: string;
  contains?: string;
}

export interface NetworkRule {
  /** The reason code after `net:`. */
  code: string;
  class: Exclude<EngagementClass, "human" | "unknown">;
  cidrs: readonly string[];
}

export interface EngagementRules {
  version: string;
  userAgents: readonly UserAgentRule[];
  /** User agents Apple's MPP proxy sends; MPP needs one of these AND (an Apple relay address or delivery-time timing). */
  appleMppUserAgents: readonly string[];
  networks: readonly NetworkRule[];
  /** Windows, in seconds. */
  windows: {
    /** Clicks on different links this close together are one scanner's burst (Spotler: < 0.1 s; ENGAGEMENT.md: ~1–2 s). */
    burst: number;
    /** A click this soon after delivery is a scanner whatever else happened (lemlist 5 s; Mautic 2 s). */
    clickAfterDelivery: number;
    /** A click this soon after delivery with no human open before it is a scanner (scanners start 20–60 s after send [CC]). */
    clickBeforeOpen: number;
    /** A bare `Mozilla/5.0` open this soon after delivery is MPP even from an address not in Apple's list (a stale snapshot). */
    mppAfterDelivery: number;
    /** An open this soon after delivery from an unremarkable client is too fast for a person: unknown. */
    openAfterDelivery: number;
    /** Clicks this close to a honeypot click (either side) are the same scanner. */
    honeypot: number;
  };
  /** Classes whose opens count as a person opening the mail (Gmail/Yahoo fetch when the person opens [WTTW13]). */
  humanOpenClasses: readonly EngagementClass[];
}

export const ENGAGEMENT_RULES: EngagementRules = {
  version: "2026-11-1",
  userAgents: [
    { code: "GoogleImageProxy", class: "image_proxy", contains: "GoogleImageProxy" }, // [UAP; WURFL]
    { code: "YahooMailProxy", class: "image_proxy", contains: "YahooMailProxy" }, // [UAP]
    // Gmail's notification fetcher (SECONDARY [GMASS]); the trailing " Mozilla/5.0" is what marks it.
    { code: "GmailNotificationFetcher", class: "image_proxy", exact: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Mozilla/5.0" },
    { code: "Barracuda", class: "link_scanner", contains: "Barracuda Sentinel" }, // [BZ; MATOMO]
    { code: "HeadlessChrome", class: "link_scanner", contains: "HeadlessChrome" }, // [BZ]
    { code: "python-requests", class: "link_scanner", contains: "python-requests" }, // [BZ]
    { code: "curl", class: "link_scanner", contains: "curl/" },
    { code: "Go-http-client", class: "link_scanner", contains: "Go-http-client" },
    { code: "PhantomJS", class: "link_scanner", contains: "PhantomJS" },
    { code: "Proofpoint", class: "link_scanner", contains: "Proofpoint" },
    { code: "Mimecast", class: "link_scanner", contains: "Mimecast" },
  ],
  appleMppUserAgents: ["Mozilla/5.0"], // [CD; MG]
  networks: [
    { code: "apple-relay", class: "apple_mpp", cidrs: APPLE_RELAY_SNAPSHOT.cidrs },
    // The range Barracuda's own IP-analysis page uses as its example; that ESS scans from it is UNCONFIRMED [BC].
    { code: "barracuda", class: "link_scanner", cidrs: ["209.222.80.0/21"] },
    // Exchange Online Protection's published mail ranges (Microsoft's SPF record). That Safe Links
    // detonates from them is UNCONFIRMED [LDM]; no person browses from them.
    { code: "microsoft-eop", class: "link_scanner", cidrs: ["40.92.0.0/15", "40.107.0.0/16", "52.100.0.0/14", "104.47.0.0/17", "2a01:111:f400::/48", "2a01:111:f403::/48"] },
    // Mimecast's and Proofpoint's published gateway ranges (customers allow-list them); scanning from them: UNCONFIRMED.
    { code: "mimecast", class: "link_scanner", cidrs: ["205.139.110.0/24", "207.211.30.0/24", "170.10.128.0/24", "195.130.217.0/24", "91.220.42.0/24"] },
    { code: "proofpoint", class: "link_scanner", cidrs: ["148.163.128.0/19", "67.231.144.0/20"] },
  ],
  windows: { burst: 2, clickAfterDelivery: 10, clickBeforeOpen: 180, mppAfterDelivery: 300, openAfterDelivery: 2, honeypot: 60 },
  humanOpenClasses: ["human", "image_proxy"],
};
