/**
 * Opens and clicks the way the real world makes them (../shared/postmark/ENGAGEMENT.md §b): people
 * open minutes to hours after delivery and click seconds after opening; Apple Mail Privacy
 * Protection prefetches the pixel at delivery from Apple's relay; Gmail and Yahoo fetch it through
 * their image proxies; corporate link scanners click every link within a second or two, 20–60 s
 * after delivery for most [CC]. Each recipient's engagement is planned once, when the message is
 * accepted (so a restart replays it), and each event keeps its ground truth in the sandbox's own
 * records (`SandboxEvent.truth`), never in the payload Postmark would send.
 *
 * The sandbox is the world, not the classifier: its address and user-agent lists are its own (they
 * include addresses no published list holds, as the real world does), so a benchmark scoring
 * lib/engagement against it is not scoring the classifier against itself.
 */
import type { Outcome, SandboxRates } from "./types";

export type TruthClass = "human" | "apple_mpp" | "image_proxy" | "link_scanner";

interface Party {
  Name: string;
  Company: string;
  Family: string;
}
interface Geo {
  CountryISOCode: string;
  Country: string;
  RegionISOCode: string;
  Region: string;
  City: string;
  Zip: string;
  Coords: string;
}
/** The payload fields that describe who fetched: Postmark parses Client/OS/Platform from the user agent. */
export interface Agent {
  Client: Party;
  OS: Party;
  Platform: string;
  UserAgent: string;
  Geo: Geo;
}

const UNKNOWN: Party = { Name: "Unknown", Company: "Unknown", Family: "Unknown" };
const NO_GEO: Geo = { CountryISOCode: "", Country: "", RegionISOCode: "", Region: "", City: "", Zip: "", Coords: "" };
const US_CA: Geo = { CountryISOCode: "US", Country: "United States", RegionISOCode: "CA", Region: "California", City: "", Zip: "", Coords: "" };
const US_VA: Geo = { CountryISOCode: "US", Country: "United States", RegionISOCode: "VA", Region: "Virginia", City: "Ashburn", Zip: "20147", Coords: "39.0438,-77.4874" };
const NOVI_SAD: Geo = { CountryISOCode: "RS", Country: "Serbia", RegionISOCode: "VO", Region: "Autonomna Pokrajina Vojvodina", City: "Novi Sad", Zip: "21000", Coords: "45.2517,19.8369" };
const SF: Geo = { CountryISOCode: "US", Country: "United States", RegionISOCode: "CA", Region: "California", City: "San Francisco", Zip: "94107", Coords: "37.7697,-122.3933" };
const BERLIN: Geo = { CountryISOCode: "DE", Country: "Germany", RegionISOCode: "BE", Region: "Berlin", City: "Berlin", Zip: "10115", Coords: "52.5200,13.4050" };
const LONDON: Geo = { CountryISOCode: "GB", Country: "United Kingdom", RegionISOCode: "ENG", Region: "England", City: "London", Zip: "EC1A", Coords: "51.5074,-0.1278" };

const CHROME_WIN: Omit<Agent, "Geo"> = {
  Client: { Name: "Chrome 130.0.0.0", Company: "Google", Family: "Chrome" },
  OS: { Name: "Windows 10", Company: "Microsoft Corporation", Family: "Windows" },
  Platform: "Desktop",
  UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
};
const CHROME_MAC: Omit<Agent, "Geo"> = {
  Client: { Name: "Chrome 35.0.1916.153", Company: "Google", Family: "Chrome" },
  OS: { Name: "OS X 10.7 Lion", Company: "Apple Computer, Inc.", Family: "OS X 10" },
  Platform: "WebMail",
  UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.153 Safari/537.36",
};
const IOS_MAIL: Omit<Agent, "Geo"> = {
  Client: { Name: "Mobile Safari 17.4", Company: "Apple Inc.", Family: "Mobile Safari" },
  OS: { Name: "iOS 17.4", Company: "Apple Inc.", Family: "iOS" },
  Platform: "Mobile",
  UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
};
const IOS_SAFARI: Omit<Agent, "Geo"> = {
  ...IOS_MAIL,
  UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
};
const OUTLOOK: Omit<Agent, "Geo"> = {
  Client: { Name: "Outlook 2019", Company: "Microsoft Corporation", Family: "Outlook" },
  OS: { Name: "Windows 10", Company: "Microsoft Corporation", Family: "Windows" },
  Platform: "Desktop",
  UserAgent: "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.10417; Pro)",
};
const THUNDERBIRD: Omit<Agent, "Geo"> = {
  Client: { Name: "Thunderbird 115.0", Company: "Mozilla", Family: "Thunderbird" },
  OS: { Name: "Ubuntu", Company: "Canonical", Family: "Linux" },
  Platform: "Desktop",
  UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.0",
};
const FIREFOX: Omit<Agent, "Geo"> = {
  Client: { Name: "Firefox 115.0", Company: "Mozilla", Family: "Firefox" },
  OS: { Name: "Ubuntu", Company: "Canonical", Family: "Linux" },
  Platform: "Desktop",
  UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
};

/** People: what their mail client fetches the pixel with, what their browser clicks with, where they are. */
const PEOPLE: { open: Omit<Agent, "Geo">; click: Omit<Agent, "Geo">; geo: Geo; ip: string | "relay" }[] = [
  { open: CHROME_MAC, click: CHROME_MAC, geo: NOVI_SAD, ip: "188.2.95.4" },
  { open: IOS_MAIL, click: IOS_SAFARI, geo: SF, ip: "203.0.113.24" },
  { open: OUTLOOK, click: CHROME_WIN, geo: BERLIN, ip: "198.51.100.7" },
  { open: THUNDERBIRD, click: FIREFOX, geo: LONDON, ip: "198.51.100.61" },
  // An iCloud+ subscriber browsing through Private Relay: a person clicking from Apple's relay.
  { open: IOS_MAIL, click: IOS_SAFARI, geo: US_CA, ip: "relay" },
];

const MPP: Omit<Agent, "Geo"> = { Client: UNKNOWN, OS: UNKNOWN, Platform: "Unknown", UserAgent: "Mozilla/5.0" };
const GMAIL_PROXY: Omit<Agent, "Geo"> = {
  Client: { Name: "Gmail", Company: "Google", Family: "Gmail" },
  OS: UNKNOWN,
  Platform: "WebMail",
  UserAgent: "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
};
const YAHOO_PROXY: Omit<Agent, "Geo"> = {
  Client: { Name: "Yahoo Mail", Company: "Yahoo", Family: "Yahoo Mail" },
  OS: UNKNOWN,
  Platform: "WebMail",
  UserAgent: "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
};
const GENERIC_CHROME: Omit<Agent, "Geo"> = { ...CHROME_WIN, Client: { Name: "Chrome 120.0.0.0", Company: "Google", Family: "Chrome" }, UserAgent: CHROME_WIN.UserAgent.replace("130.0.0.0", "120.0.0.0") };

/** An address inside one of a few prefixes: `[first octets or hextets..., the range of the next one]`. */
type Pool = { v4?: [number, number, number, number][]; v6?: string[] };

function pickAddress(pool: Pool, random: () => number): string {
  const v4 = pool.v4 ?? [];
  const v6 = pool.v6 ?? [];
  const i = Math.floor(random() * (v4.length + v6.length));
  const byte = () => Math.floor(random() * 254) + 1;
  if (i < v4.length) {
    const [a, b, lo, hi] = v4[i];
    return `${a}.${b}.${lo + Math.floor(random() * (hi - lo + 1))}.${byte()}`;
  }
  const hex = () => Math.floor(random() * 0xffff).toString(16);
  return `${v6[i - v4.length]}:${hex()}:4000::${hex()}`;
}

// Apple's relay as seen in its published list [RZ]: Cloudflare, Fastly and Akamai egress. Weighted
// towards IPv4 as MPP fetches mostly are (UNCONFIRMED; either works).
const APPLE_RELAY: Pool = {
  v4: [[104, 28, 28, 151], [104, 28, 28, 151], [172, 225, 0, 255], [172, 225, 0, 255], [172, 226, 0, 200], [146, 75, 128, 252], [140, 248, 0, 49]],
  v6: ["2a02:26f7", "2a04:4e41"],
};
// Relay addresses Apple added after anyone's snapshot: the classifier must cope by timing.
const APPLE_RELAY_NEW: Pool = { v4: [[172, 232, 0, 255]] };

interface ScannerProfile {
  agent: Omit<Agent, "Geo">;
  geo: Geo;
  pool: Pool;
  weight: number;
}
const SCANNERS: Record<string, ScannerProfile> = {
  // Safe Links detonation: partly from Exchange Online Protection's ranges, partly from Azure addresses no list names.
  "safe-links-eop": { agent: GENERIC_CHROME, geo: US_VA, pool: { v4: [[40, 107, 0, 255], [104, 47, 0, 127]] }, weight: 0.18 },
  "safe-links-azure": { agent: GENERIC_CHROME, geo: US_VA, pool: { v4: [[20, 38, 0, 255], [20, 42, 0, 255]] }, weight: 0.17 },
  mimecast: { agent: GENERIC_CHROME, geo: US_VA, pool: { v4: [[205, 139, 110, 110], [207, 211, 30, 30]] }, weight: 0.15 },
  proofpoint: { agent: GENERIC_CHROME, geo: US_CA, pool: { v4: [[148, 163, 128, 159]] }, weight: 0.15 },
  "barracuda-sentinel": { agent: { Client: UNKNOWN, OS: UNKNOWN, Platform: "Unknown", UserAgent: "Barracuda Sentinel (EE)" }, geo: NO_GEO, pool: { v4: [[209, 222, 80, 87]] }, weight: 0.07 },
  "barracuda-ess": { agent: GENERIC_CHROME, geo: NO_GEO, pool: { v4: [[209, 222, 80, 87]] }, weight: 0.08 },
  headless: {
    agent: { Client: { Name: "Chrome 120.0.0.0", Company: "Google", Family: "Chrome" }, OS: { Name: "Linux", Company: "", Family: "Linux" }, Platform: "Desktop", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36" },
    geo: US_VA,
    pool: { v4: [[34, 64, 0, 255]] },
    weight: 0.08,
  },
  "python-requests": { agent: { Client: UNKNOWN, OS: UNKNOWN, Platform: "Unknown", UserAgent: "python-requests/2.31.0" }, geo: US_VA, pool: { v4: [[3, 80, 0, 255]] }, weight: 0.04 },
  // A scanner that does not identify itself from a cloud address: only its behaviour gives it away.
  unidentified: { agent: GENERIC_CHROME, geo: US_VA, pool: { v4: [[54, 160, 0, 255]] }, weight: 0.08 },
};

/** The plan of one recipient's opens and clicks, fixed when the message is accepted. Times in ms after delivery. */
export interface EngagementPlan {
  /** PEOPLE index and the person's address. */
  person: number;
  ip: string;
  /** When the person reads the mail and clicks. */
  readMs: number;
  clickMs: number;
  /** The visible link the person clicks; null when the message has none (no click). */
  clickLink: string | null;
  /** Apple MPP: the prefetch at delivery, and maybe a later proxy fetch (FirstOpen false). */
  mpp?: { atMs: number; ip: string; againMs: number | null; againIp: string };
  /** The person's client loads images through a webmail proxy. */
  proxy?: { kind: "gmail" | "yahoo"; ip: string };
  /** A link scanner clicks every link. */
  scanner?: { profile: string; ip: string; startMs: number; gapsMs: number[]; links: string[] };
}

export interface EngagementStep {
  recordType: "Open" | "Click";
  afterMs: number;
  /** Who fetched: `person:<i>`, `apple-mpp`, `gmail-proxy`, `yahoo-proxy`, `scanner:<profile>`. */
  actor: string;
  ip: string;
  truth: TruthClass;
  link?: string;
  firstOpen?: boolean;
}

/** Machine words a local part may force, like the outcome words: `mpp@…`, `scanner+x@…`. */
export const MACHINE_WORDS = { mpp: "open", scanner: "delivered" } as const satisfies Record<string, Outcome>;
export type MachineWord = keyof typeof MACHINE_WORDS;

function logNormal(random: () => number, median: number, sigma: number): number {
  const u = Math.max(random(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(sigma * z);
}

/** The scanner's first click after delivery [CC]: 2.6% within 20 s, 66% at 20–60 s, the rest up to 10 min. */
function scannerStartMs(random: () => number): number {
  const r = random();
  const u = random();
  if (r < 0.026) return 1000 + u * 19_000;
  if (r < 0.686) return 20_000 + u * 40_000;
  return 60_000 * Math.pow(10, u); // 1–10 minutes, log-uniform
}

function pickScanner(random: () => number): string {
  let r = random();
  const names = Object.keys(SCANNERS);
  for (const name of names) {
    r -= SCANNERS[name].weight;
    if (r < 0) return name;
  }
  return names[names.length - 1];
}

/**
 * How soon people read, and how soon machines come (POSTMARK_SANDBOX_PACE):
 * - `real`: the real world's distribution: a person reads a median 30 minutes after delivery (5%
 *   within 3 minutes, at most 6 hours) and clicks 5–60 s later; MPP 1–8 s; scanners mostly 20–60 s.
 * - `demo`: people read 15–90 s after delivery and click 10–40 s after reading, so someone trying the
 *   product sees human opens and clicks within a couple of minutes; machines keep real-world timing.
 * - `fast` (tests, e2e, benchmarks): a person's open about 3 s after delivery and the click 11–12 s
 *   after it; MPP 1–2 s; a scanner's first click 1–3 s, with its real sub-second gaps.
 * In `demo` and `fast` a person's click is also kept out of the windows in which a classifier must
 * read a click as a scanner's (lib/engagement/rules.ts: a click ≤ 10 s after delivery; ≤ 180 s with
 * no human open before it, as for MPP users whose opens are Apple's; within 2 s of a scanner's click
 * or 60 s of its honeypot click), so every person's event is still a person's. `real` does not: the
 * real world has such clicks, and the benchmarks must meet them.
 */
export type Pace = "real" | "demo" | "fast";
export const PACES: readonly Pace[] = ["real", "demo", "fast"];

/** lib/engagement/rules.ts windows a person's click stays out of in `demo` and `fast` (the sandbox does not import the classifier). */
const CLICK_AFTER_DELIVERY_MS = 10_000;
const CLICK_BEFORE_OPEN_MS = 180_000;
const HONEYPOT_MS = 60_000;

interface PaceTiming {
  readMs: (random: () => number) => number;
  /** The person's click, after reading. */
  clickMs: (random: () => number, readMs: number) => number;
  mppMs: (random: () => number) => number;
  scannerStartMs: (random: () => number) => number;
}

const PACE_TIMING: Record<Pace, PaceTiming> = {
  real: {
    // Median 30 minutes, 5% within 3 minutes, capped at 6 hours.
    readMs: (random) => Math.min(6 * 3600_000, Math.max(20_000, logNormal(random, 1800_000, 1.4))),
    clickMs: (random, readMs) => readMs + 5000 + random() * 55_000,
    mppMs: (random) => 1000 + random() * 7000,
    scannerStartMs,
  },
  demo: {
    readMs: (random) => 15_000 + random() * 75_000,
    clickMs: (random, readMs) => readMs + 10_000 + random() * 30_000,
    mppMs: (random) => 1000 + random() * 7000,
    scannerStartMs,
  },
  fast: {
    // An open < 2 s after delivery is too fast for a person; a click ≤ 10 s is a scanner's.
    readMs: (random) => 2500 + random() * 1000,
    clickMs: (random, readMs) => Math.max(readMs + 1000, CLICK_AFTER_DELIVERY_MS + 1000 + random() * 1000),
    mppMs: (random) => 1000 + random() * 1000,
    scannerStartMs: (random) => 1000 + random() * 2000,
  },
};

/**
 * One recipient's engagement, or null when the outcome has none (bounces, complaints, unsubscribes:
 * their old immediate timeline stays). `random` should be a generator of its own (the engine's
 * `engagementRandom`), so seeded outcome draws stay exactly what they were before engagement existed.
 * `links` are every link a scanner follows, in document order; `clickLink` is the visible link a
 * person clicks, or null when there is none (the person then does not click).
 */
export function planEngagement(input: {
  outcome: Outcome;
  forced: MachineWord | null;
  rates: Pick<SandboxRates, "mpp" | "scanner" | "proxy">;
  random: () => number;
  links: string[];
  clickLink: string | null;
  pace?: Pace;
}): EngagementPlan | null {
  const { outcome, forced, rates, random } = input;
  const pace = input.pace ?? "real";
  const timing = PACE_TIMING[pace];
  if (outcome !== "delivered" && outcome !== "open" && outcome !== "click") return null;
  const person = Math.floor(random() * PEOPLE.length);
  const readMs = timing.readMs(random);
  const plan: EngagementPlan = {
    person,
    ip: PEOPLE[person].ip === "relay" ? pickAddress(APPLE_RELAY, random) : PEOPLE[person].ip,
    readMs,
    clickMs: timing.clickMs(random, readMs),
    clickLink: input.clickLink,
  };
  const opens = outcome === "open" || outcome === "click";
  if (forced === "mpp" || (forced === null && opens && rates.mpp > 0 && random() < rates.mpp)) {
    const ip = pickAddress(random() < 0.03 ? APPLE_RELAY_NEW : APPLE_RELAY, random);
    plan.mpp = { atMs: timing.mppMs(random), ip, againMs: random() < 0.25 ? readMs : null, againIp: pickAddress(APPLE_RELAY, random) };
  } else if (forced === null && opens && rates.proxy > 0 && random() < rates.proxy) {
    const gmail = random() < 0.8;
    plan.proxy = { kind: gmail ? "gmail" : "yahoo", ip: gmail ? pickAddress({ v4: [[66, 249, 80, 95], [66, 102, 0, 15]] }, random) : pickAddress({ v4: [[203, 0, 113, 113]] }, random) };
  }
  if (forced === "scanner" || (forced === null && rates.scanner > 0 && random() < rates.scanner)) {
    const profile = pickScanner(random);
    const links = input.links.length ? input.links : [input.clickLink ?? FALLBACK_LINK];
    plan.scanner = {
      profile,
      ip: pickAddress(SCANNERS[profile].pool, random),
      startMs: timing.scannerStartMs(random),
      gapsMs: links.slice(1).map(() => 30 + random() * 370),
      links,
    };
  }
  if (pace !== "real") {
    // Apple's prefetch is no human open, so the click must come after the click-before-open window.
    if (plan.mpp) plan.clickMs = Math.max(plan.clickMs, CLICK_BEFORE_OPEN_MS + 1000 + random() * 4000);
    if (plan.scanner) {
      const lastScannerClick = plan.scanner.startMs + plan.scanner.gapsMs.reduce((a, b) => a + b, 0);
      plan.clickMs = Math.max(plan.clickMs, lastScannerClick + HONEYPOT_MS + 1000);
    }
  }
  return plan;
}

/** The opens and clicks a plan produces, in time order. */
export function engagementSteps(outcome: Outcome, plan: EngagementPlan): EngagementStep[] {
  const steps: EngagementStep[] = [];
  const person = `person:${plan.person}`;
  if (outcome === "open" || outcome === "click") {
    if (plan.mpp) {
      // Apple fetches at delivery; when the person reads, Apple shows its cached copy [PM-MPP], though
      // later fetches through the proxy do happen [LR].
      steps.push({ recordType: "Open", afterMs: plan.mpp.atMs, actor: "apple-mpp", ip: plan.mpp.ip, truth: "apple_mpp" });
      if (plan.mpp.againMs !== null) steps.push({ recordType: "Open", afterMs: plan.mpp.againMs, actor: "apple-mpp", ip: plan.mpp.againIp, truth: "apple_mpp" });
    } else if (plan.proxy) {
      steps.push({ recordType: "Open", afterMs: plan.readMs, actor: `${plan.proxy.kind}-proxy`, ip: plan.proxy.ip, truth: "image_proxy" });
    } else {
      steps.push({ recordType: "Open", afterMs: plan.readMs, actor: person, ip: plan.ip, truth: "human" });
    }
  }
  // Postmark posts one click per (recipient, link): after a scanner followed the link, the person's
  // own click on it is redirected but never posted [PM-CLICKWH].
  if (outcome === "click" && plan.clickLink !== null && !plan.scanner?.links.includes(plan.clickLink)) {
    steps.push({ recordType: "Click", afterMs: plan.clickMs, actor: person, ip: plan.ip, truth: "human", link: plan.clickLink });
  }
  if (plan.scanner) {
    let t = plan.scanner.startMs;
    plan.scanner.links.forEach((link, i) => {
      if (i > 0) t += plan.scanner!.gapsMs[i - 1];
      steps.push({ recordType: "Click", afterMs: t, actor: `scanner:${plan.scanner!.profile}`, ip: plan.scanner!.ip, truth: "link_scanner", link });
    });
  }
  steps.sort((a, b) => a.afterMs - b.afterMs);
  let opened = false;
  for (const s of steps) {
    if (s.recordType !== "Open") continue;
    s.firstOpen = !opened;
    opened = true;
  }
  return steps;
}

/** The payload fields of an event fetched by `actor` from `ip`, or null for an unknown actor. */
export function agentFor(actor: string, ip: string, recordType: "Open" | "Click"): (Agent & { IP: string }) | null {
  const geo = (g: Geo) => ({ ...g });
  if (actor.startsWith("person:")) {
    const p = PEOPLE[Number(actor.slice("person:".length))];
    if (!p) return null;
    const a = recordType === "Open" ? p.open : p.click;
    return { ...a, Geo: geo(p.geo), IP: ip };
  }
  if (actor === "apple-mpp") return { ...MPP, Geo: geo(US_CA), IP: ip };
  if (actor === "gmail-proxy") return { ...GMAIL_PROXY, Geo: geo(NO_GEO), IP: ip };
  if (actor === "yahoo-proxy") return { ...YAHOO_PROXY, Geo: geo(NO_GEO), IP: ip };
  if (actor.startsWith("scanner:")) {
    const s = SCANNERS[actor.slice("scanner:".length)];
    return s ? { ...s.agent, Geo: geo(s.geo), IP: ip } : null;
  }
  return null;
}

/** The link a person "clicks" in a message without any link (a test body such as `<p>Hi</p>`). */
export const FALLBACK_LINK = "https://example.com/";

/**
 * Every distinct http(s) link of a body a scanner would follow, unsubscribe links aside, in document
 * order, each marked hidden when no person can see it: an `<a>` with `aria-hidden="true"` or an inline
 * `display:none` (the campaign's honeypot link). A link shown anywhere in the body is visible.
 */
export function bodyLinks(htmlBody: string | null, textBody: string | null, unsubscribe: Set<string>): { url: string; hidden: boolean }[] {
  const found: { url: string; hidden: boolean }[] = [];
  if (htmlBody !== null) {
    for (const tag of htmlBody.matchAll(/<a\b[^>]*>/gi)) {
      const href = /\bhref\s*=\s*["'](https?:\/\/[^"']+)["']/i.exec(tag[0]);
      if (!href) continue;
      const hidden = /\baria-hidden\s*=\s*["']?true\b/i.test(tag[0]) || /\bstyle\s*=\s*["'][^"']*display\s*:\s*none/i.test(tag[0]);
      found.push({ url: href[1].replace(/&amp;/g, "&"), hidden });
    }
  } else {
    for (const match of (textBody ?? "").matchAll(/(https?:\/\/[^\s<>"']+)/gi)) found.push({ url: match[1], hidden: false });
  }
  const out: { url: string; hidden: boolean }[] = [];
  for (const link of found) {
    if (unsubscribe.has(link.url) || /\/u\/|unsubscribe/i.test(link.url)) continue;
    const seen = out.find((o) => o.url === link.url);
    if (seen) seen.hidden &&= link.hidden;
    else out.push({ ...link });
  }
  return out;
}

/** Every link a scanner follows (hidden ones included), in document order. */
export function linksOf(htmlBody: string | null, textBody: string | null, unsubscribe: Set<string>): string[] {
  return bodyLinks(htmlBody, textBody, unsubscribe).map((l) => l.url);
}

/** The link a person clicks: the first visible one; the fallback for a body without links; null when every link is hidden. */
export function personLinkOf(links: { url: string; hidden: boolean }[]): string | null {
  if (!links.length) return FALLBACK_LINK;
  return links.find((l) => !l.hidden)?.url ?? null;
}
