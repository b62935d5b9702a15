import { engagementSteps, MACHINE_WORDS, type EngagementStep, type MachineWord } from "./machine-traffic";
import { OUTCOMES, type Outcome, type RecordType, type SandboxRates, type SandboxRecipientPlan } from "./types";

export const ZERO_RATES: SandboxRates = { open: 0, click: 0, hardbounce: 0, softbounce: 0, spam: 0, unsubscribe: 0, mpp: 0, scanner: 0, proxy: 0 };

const OUTCOME_SET = new Set<string>(OUTCOMES);

/**
 * `<outcome>[.silent][+anything]@domain` forces an outcome; anything else returns null (rates decide).
 * `mpp` (an open that is Apple's prefetch only) and `scanner` (delivered, every link clicked by a
 * scanner) force machine traffic the same way. Matching is case-insensitive because mail systems
 * lowercase local parts freely.
 */
export function forcedOutcome(email: string): { outcome: Outcome; silent: boolean; machine?: MachineWord } | null {
  const at = email.lastIndexOf("@");
  if (at <= 0) return null;
  let local = email.slice(0, at).toLowerCase();
  const plus = local.indexOf("+");
  if (plus >= 0) local = local.slice(0, plus);
  let silent = false;
  if (local.endsWith(".silent")) {
    silent = true;
    local = local.slice(0, -".silent".length);
  }
  if (Object.hasOwn(MACHINE_WORDS, local)) return { outcome: MACHINE_WORDS[local as MachineWord], silent, machine: local as MachineWord };
  return OUTCOME_SET.has(local) ? { outcome: local as Outcome, silent } : null;
}

/**
 * A random outcome. Bounces are decided before delivery (a bounced message is never opened); then
 * spam and unsubscribe; then engagement. `click` is a fraction of all recipients and implies an open,
 * so the open rate seen is max(open, click).
 */
export function randomOutcome(rates: SandboxRates, random: () => number): Outcome {
  const r = random();
  if (r < rates.hardbounce) return "hardbounce";
  if (r < rates.hardbounce + rates.softbounce) return "softbounce";
  if (rates.spam > 0 && random() < rates.spam) return "spam";
  if (rates.unsubscribe > 0 && random() < rates.unsubscribe) return "unsubscribe";
  const e = random();
  if (e < rates.click) return "click";
  if (e < Math.max(rates.open, rates.click)) return "open";
  return "delivered";
}

export interface TimelineStep {
  recordType: RecordType;
  bounceType?: "HardBounce" | "SoftBounce";
  suppressionReason?: "HardBounce" | "SpamComplaint" | "ManualSuppression";
  /** A planned open or click, stamped at its simulated time after delivery. */
  engagement?: EngagementStep;
}

const DELIVERY: TimelineStep = { recordType: "Delivery" };

/** The events an outcome produces, in the order they happen. Delivery comes first except for a hard bounce. */
export function timeline(outcome: Outcome): TimelineStep[] {
  switch (outcome) {
    case "delivered":
      return [DELIVERY];
    case "open":
      return [DELIVERY, { recordType: "Open" }];
    case "click":
      return [DELIVERY, { recordType: "Open" }, { recordType: "Click" }];
    case "hardbounce":
      return [
        { recordType: "Bounce", bounceType: "HardBounce" },
        { recordType: "SubscriptionChange", suppressionReason: "HardBounce" },
      ];
    case "softbounce":
      // An asynchronous bounce after the receiving server took the message (e.g. mailbox full).
      return [DELIVERY, { recordType: "Bounce", bounceType: "SoftBounce" }];
    case "spam":
      return [DELIVERY, { recordType: "SpamComplaint" }, { recordType: "SubscriptionChange", suppressionReason: "SpamComplaint" }];
    case "unsubscribe":
      return [DELIVERY, { recordType: "SubscriptionChange", suppressionReason: "ManualSuppression" }];
  }
}

/** A recipient's events: the planned opens and clicks when there is a plan, else the outcome's own timeline. */
export function planTimeline(plan: SandboxRecipientPlan): TimelineStep[] {
  if (!plan.engagement) return timeline(plan.outcome);
  return [DELIVERY, ...engagementSteps(plan.outcome, plan.engagement).map((e) => ({ recordType: e.recordType, engagement: e }))];
}

/** mulberry32: a tiny seedable generator so a drill or benchmark can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
