import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { classifyEngagement, engagementEventFromPostmark, type EngagementEvent, type PostmarkEngagementFields } from "./classify";
import { ENGAGEMENT_RULES } from "./rules";
import { emptyEngagement, recordEngagement, type MessageEngagement } from "./state";

// ../shared beside the checkout, or POSTLINE_SHARED_DIR (as the sandbox's conformance test finds it).
const WEBHOOKS = path.join(process.env.POSTLINE_SHARED_DIR ?? path.resolve(process.cwd(), "../shared"), "postmark", "webhooks");
// ENGAGEMENT.md §d: every documented example was delivered at this instant.
const DELIVERED = new Date("2026-11-03T14:00:02Z");

describe("the documented examples (../shared/postmark/webhooks/engagement-<class>-<n>.json)", () => {
  const files = fs.readdirSync(WEBHOOKS).filter((f) => /^engagement-.+\.json$/.test(f));
  const payloads = files.map((file) => ({ file, expected: /^engagement-(.+)-\d+\.json$/.exec(file)![1], body: JSON.parse(fs.readFileSync(path.join(WEBHOOKS, file), "utf8")) as PostmarkEngagementFields & { MessageID: string } }));
  // Each message's events in timestamp order, the state folded as ingestion would.
  payloads.sort((a, b) => Date.parse(a.body.ReceivedAt) - Date.parse(b.body.ReceivedAt));
  const states = new Map<string, MessageEngagement>();
  const results = new Map<string, ReturnType<typeof classifyEngagement>>();
  for (const p of payloads) {
    const state = states.get(p.body.MessageID) ?? emptyEngagement({ deliveredAt: DELIVERED });
    const event = engagementEventFromPostmark(p.body);
    const verdict = classifyEngagement(event, state);
    results.set(p.file, verdict);
    states.set(p.body.MessageID, recordEngagement(state, event, verdict));
  }

  it("there are examples of every class", () => {
    expect(new Set(payloads.map((p) => p.expected))).toEqual(new Set(["human", "apple_mpp", "image_proxy", "link_scanner", "unknown"]));
  });

  it.each(payloads.map((p) => [p.file, p.expected]))("%s is %s", (file, expected) => {
    const verdict = results.get(file)!;
    expect(verdict.class).toBe(expected);
    expect(verdict.reasons.length).toBeGreaterThan(0);
    expect(verdict.rulesVersion).toBe(ENGAGEMENT_RULES.version);
  });

  it("names the signals that decided", () => {
    expect(results.get("engagement-apple_mpp-1.json")!.reasons).toEqual(["ua:Mozilla/5.0", "net:apple-relay"]);
    expect(results.get("engagement-image_proxy-1.json")!.reasons).toEqual(["ua:GoogleImageProxy"]);
    expect(results.get("engagement-link_scanner-1.json")!.reasons).toEqual(["ua:Barracuda", "net:barracuda", "timing:click-within-10s-of-delivery"]);
    expect(results.get("engagement-link_scanner-2.json")!.reasons).toEqual(["net:barracuda", "pattern:multi-link-burst", "timing:click-within-10s-of-delivery"]);
    expect(results.get("engagement-unknown-2.json")!.reasons).toEqual(["ua:empty"]);
  });
});

const CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";
const at = (seconds: number) => new Date(DELIVERED.getTime() + seconds * 1000);

function event(over: Partial<EngagementEvent>): EngagementEvent {
  return { recordType: "Click", at: at(3600), userAgent: CHROME, ip: "188.2.95.4", clientFamily: "Chrome", osFamily: "Windows", platform: "Desktop", link: "https://postline.example/a", honeypot: false, ...over };
}
function state(over: Partial<MessageEngagement> = {}): MessageEngagement {
  return { ...emptyEngagement({ deliveredAt: DELIVERED }), ...over };
}

describe("edge cases", () => {
  const cases: [string, EngagementEvent, MessageEngagement, string, string[]][] = [
    ["a person's click an hour after delivery, after opening", event({}), state({ firstHumanOpenAt: at(3550) }), "human", ["client:Chrome"]],
    ["a person who reads with images off: a click with no open, long after delivery", event({}), state(), "human", ["client:Chrome"]],
    ["an Apple Mail user's click (only MPP's prefetch open before it) is a person", event({ ip: "172.225.46.10" }), state({ firstOpenAt: at(5), machineOpenClasses: ["apple_mpp"] }), "human", ["client:Chrome"]],
    ["a Safari click from Private Relay is a person, never apple_mpp", event({ ip: "104.28.85.110", userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", clientFamily: "Safari" }), state({ firstHumanOpenAt: at(3000) }), "human", ["client:Safari"]],
    ["Outlook desktop: image fetch and click from one address milliseconds apart is still a person", event({ at: at(3600.3) }), state({ firstHumanOpenAt: at(3600) }), "human", ["client:Chrome"]],
    ["Gmail's image proxy", event({ recordType: "Open", link: null, userAgent: "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", ip: "66.249.84.22", clientFamily: "Gmail" }), state(), "image_proxy", ["ua:GoogleImageProxy"]],
    ["Yahoo's image proxy", event({ recordType: "Open", link: null, userAgent: "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", ip: "203.0.113.41", clientFamily: "Yahoo Mail" }), state(), "image_proxy", ["ua:YahooMailProxy"]],
    ["MPP over IPv6", event({ recordType: "Open", link: null, userAgent: "Mozilla/5.0", ip: "2a02:26f7:b3c0:4000::1", clientFamily: "Unknown" }), state(), "apple_mpp", ["ua:Mozilla/5.0", "net:apple-relay"]],
    ["MPP from an address newer than the snapshot, at delivery", event({ recordType: "Open", link: null, userAgent: "Mozilla/5.0", ip: "198.51.100.23", clientFamily: "Unknown", at: at(4) }), state(), "apple_mpp", ["ua:Mozilla/5.0", "timing:open-within-300s-of-delivery"]],
    ["bare Mozilla/5.0 later from an unknown address is not assumed to be Apple", event({ recordType: "Open", link: null, userAgent: "Mozilla/5.0", ip: "198.51.100.23", clientFamily: "Unknown", at: at(900) }), state(), "unknown", ["ua:Mozilla/5.0"]],
    ["Microsoft Defender Safe Links from Exchange Online Protection", event({ ip: "40.107.22.31", at: at(45) }), state(), "link_scanner", ["net:microsoft-eop", "timing:click-within-180s-of-delivery", "pattern:click-before-open"]],
    ["Microsoft over IPv6", event({ ip: "2a01:111:f400:7e1b::5", at: at(4000) }), state(), "link_scanner", ["net:microsoft-eop"]],
    ["Mimecast URL Protect", event({ ip: "205.139.110.61", at: at(700) }), state(), "link_scanner", ["net:mimecast"]],
    ["Proofpoint URL Defense", event({ ip: "148.163.150.9", at: at(700) }), state(), "link_scanner", ["net:proofpoint"]],
    ["Barracuda Sentinel by name", event({ userAgent: "Barracuda Sentinel (EE)", clientFamily: "Unknown", ip: "203.0.113.9", at: at(300) }), state(), "link_scanner", ["ua:Barracuda"]],
    ["headless Chrome", event({ userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36", at: at(4000) }), state(), "link_scanner", ["ua:HeadlessChrome"]],
    ["python-requests", event({ userAgent: "python-requests/2.31.0", clientFamily: "Unknown", at: at(4000) }), state(), "link_scanner", ["ua:python-requests"]],
    ["a click within seconds of delivery, even after an open", event({ at: at(6) }), state({ firstHumanOpenAt: at(3) }), "link_scanner", ["timing:click-within-10s-of-delivery"]],
    ["a click before any open, a minute after delivery", event({ at: at(61) }), state(), "link_scanner", ["timing:click-within-180s-of-delivery", "pattern:click-before-open"]],
    ["several links within seconds, long after delivery", event({ at: at(5000.4), link: "https://postline.example/b" }), state({ firstHumanOpenAt: at(10), recentClicks: [{ at: at(5000), link: "https://postline.example/a" }] }), "link_scanner", ["pattern:multi-link-burst"]],
    ["a burst seen out of order (the earlier click arrives second)", event({ at: at(5000), link: "https://postline.example/a" }), state({ firstHumanOpenAt: at(10), recentClicks: [{ at: at(5001.5), link: "https://postline.example/b" }] }), "link_scanner", ["pattern:multi-link-burst"]],
    ["two links minutes apart are a person reading", event({ at: at(5200), link: "https://postline.example/b" }), state({ firstHumanOpenAt: at(10), recentClicks: [{ at: at(5000), link: "https://postline.example/a" }] }), "human", ["client:Chrome"]],
    ["the honeypot link", event({ honeypot: true, link: "https://postline.example/h", at: at(4000) }), state(), "link_scanner", ["honeypot"]],
    ["a click next to a honeypot click", event({ at: at(4003) }), state({ honeypotAt: at(4000), firstHumanOpenAt: at(10) }), "link_scanner", ["honeypot:within-60s"]],
    ["a click long after a honeypot click", event({ at: at(9000) }), state({ honeypotAt: at(4000), firstHumanOpenAt: at(10) }), "human", ["client:Chrome"]],
    ["an unknown user agent", event({ recordType: "Open", link: null, userAgent: "Java/1.8.0_151", clientFamily: "Unknown", at: at(4000) }), state(), "unknown", ["ua:unrecognised"]],
    ["an empty user agent on an open", event({ recordType: "Open", link: null, userAgent: "", clientFamily: "Unknown" }), state(), "unknown", ["ua:empty"]],
    ["a bare Mozilla/5.0 click", event({ userAgent: "Mozilla/5.0", clientFamily: "Unknown" }), state(), "unknown", ["ua:unrecognised"]],
    ["an open a second after delivery from an ordinary client", event({ recordType: "Open", link: null, at: at(1) }), state(), "unknown", ["timing:open-within-2s-of-delivery"]],
    ["before the Delivery webhook arrives, the send time is the reference", event({ at: at(5) }), { ...emptyEngagement({ sentAt: at(0) }) }, "link_scanner", ["timing:click-within-10s-of-delivery"]],
    ["no times known at all: nothing to time against", event({ at: at(5) }), emptyEngagement(), "human", ["client:Chrome"]],
  ];
  it.each(cases)("%s", (_name, e, s, cls, reasons) => {
    const verdict = classifyEngagement(e, s);
    expect(verdict.class).toBe(cls);
    expect(verdict.reasons).toEqual(reasons);
  });
});

describe("the message's engagement: upgrades, never downgrades", () => {
  const open = (seconds: number, cls: string) => (s: MessageEngagement) => recordEngagement(s, { recordType: "Open", at: at(seconds) }, { class: cls as never });
  const click = (seconds: number, cls: string, link = "https://postline.example/a") => (s: MessageEngagement) =>
    recordEngagement(s, { recordType: "Click", at: at(seconds), link }, { class: cls as never });
  const run = (...steps: ((s: MessageEngagement) => MessageEngagement)[]) => steps.reduce((s, f) => f(s), state());

  it("an MPP-only message is opened by a machine only", () => {
    const s = run(open(5, "apple_mpp"));
    expect(s.firstOpenAt).toEqual(at(5));
    expect(s.firstHumanOpenAt).toBeNull();
    expect(s.machineOpenClasses).toEqual(["apple_mpp"]);
  });

  it("a human click implies a human open", () => {
    const s = run(open(5, "apple_mpp"), click(4000, "human"));
    expect(s.firstHumanClickAt).toEqual(at(4000));
    expect(s.firstHumanOpenAt).toEqual(at(4000));
    expect(s.humanOpenFromClick).toBe(true);
  });

  it("a human open seen later but timestamped earlier takes over from the click's implied open", () => {
    const s = run(click(4000, "human"), open(3990, "human"));
    expect(s.firstHumanOpenAt).toEqual(at(3990));
    expect(s.humanOpenFromClick).toBe(false);
  });

  it("machine events never downgrade a human one", () => {
    const s = run(open(3000, "human"), click(3050, "human"), open(3100, "apple_mpp"), click(3200, "link_scanner", "https://postline.example/b"), open(10, "unknown"));
    expect(s.firstHumanOpenAt).toEqual(at(3000));
    expect(s.firstHumanClickAt).toEqual(at(3050));
    expect(s.firstOpenAt).toEqual(at(10));
    expect(s.machineOpenClasses).toEqual(["apple_mpp", "unknown"]);
    expect(s.machineClickClasses).toEqual(["link_scanner"]);
  });

  it("a Gmail proxy open counts as a person opening (the proxy fetches when the mail is opened)", () => {
    expect(run(open(900, "image_proxy")).firstHumanOpenAt).toEqual(at(900));
  });

  it("keeps the latest clicks by timestamp, at most 20, and the first honeypot click", () => {
    let s = state();
    for (let i = 30; i >= 1; i--) s = click(i, "link_scanner", `https://postline.example/${i}`)(s);
    expect(s.recentClicks).toHaveLength(20);
    expect(s.recentClicks[0].at).toEqual(at(11));
    expect(s.recentClicks[19].at).toEqual(at(30));
    s = recordEngagement(s, { recordType: "Click", at: at(50), link: "h", honeypot: true }, { class: "link_scanner" });
    expect(s.honeypotAt).toEqual(at(50));
  });
});
