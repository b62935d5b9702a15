/**
 * One message's engagement so far, compact enough to keep on the message row: what the classifier
 * needs about earlier events (classify.ts) and what the marketer's status is made of. A pure fold:
 * `recordEngagement(state, event, verdict)` returns the next state.
 *
 * The combination rule: a human event upgrades (a human click implies a human open, even when every
 * open seen was Apple's proxy or none was seen at all); a machine event never downgrades a human one.
 * Times are event timestamps, not arrival order, so a late webhook lands where it happened.
 */
import { ENGAGEMENT_RULES, type EngagementClass, type EngagementRules } from "./rules";

export interface RecentClick {
  at: Date;
  link: string | null;
}

export interface MessageEngagement {
  /** When Postmark accepted the message: the timing reference until the Delivery event is known. */
  sentAt: Date | null;
  /** Delivery's DeliveredAt. */
  deliveredAt: Date | null;
  firstOpenAt: Date | null;
  firstHumanOpenAt: Date | null;
  /** The human open is known only from a human click (MPP users, images off). */
  humanOpenFromClick: boolean;
  firstClickAt: Date | null;
  firstHumanClickAt: Date | null;
  /** Classes of the opens and clicks that were not a person, in the order first seen. */
  machineOpenClasses: EngagementClass[];
  machineClickClasses: EngagementClass[];
  /** The latest clicks by timestamp (at most RECENT_CLICKS), for burst detection. */
  recentClicks: RecentClick[];
  /** The first click on the campaign's honeypot link. */
  honeypotAt: Date | null;
}

/** Scanners click every link of a message; a newsletter rarely has more. Older clicks never start a burst. */
export const RECENT_CLICKS = 20;

export function emptyEngagement(times: { sentAt?: Date | null; deliveredAt?: Date | null } = {}): MessageEngagement {
  return {
    sentAt: times.sentAt ?? null,
    deliveredAt: times.deliveredAt ?? null,
    firstOpenAt: null,
    firstHumanOpenAt: null,
    humanOpenFromClick: false,
    firstClickAt: null,
    firstHumanClickAt: null,
    machineOpenClasses: [],
    machineClickClasses: [],
    recentClicks: [],
    honeypotAt: null,
  };
}

const earlier = (a: Date | null, b: Date): Date => (a === null || b.getTime() < a.getTime() ? b : a);

export function recordEngagement(
  state: MessageEngagement,
  event: { recordType: "Open" | "Click"; at: Date; link?: string | null; honeypot?: boolean },
  verdict: { class: EngagementClass },
  rules: EngagementRules = ENGAGEMENT_RULES,
): MessageEngagement {
  const next: MessageEngagement = { ...state };
  if (event.recordType === "Open") {
    next.firstOpenAt = earlier(state.firstOpenAt, event.at);
    if (rules.humanOpenClasses.includes(verdict.class)) {
      next.firstHumanOpenAt = earlier(state.firstHumanOpenAt, event.at);
      if (next.firstHumanOpenAt === event.at) next.humanOpenFromClick = false;
    } else if (!state.machineOpenClasses.includes(verdict.class)) {
      next.machineOpenClasses = [...state.machineOpenClasses, verdict.class];
    }
    return next;
  }
  next.firstClickAt = earlier(state.firstClickAt, event.at);
  // A click seen again (a retried webhook) is not a second click: the fold stays idempotent.
  const link = event.link ?? null;
  if (!state.recentClicks.some((c) => c.link === link && c.at.getTime() === event.at.getTime())) {
    next.recentClicks = [...state.recentClicks, { at: event.at, link }].sort((a, b) => a.at.getTime() - b.at.getTime()).slice(-RECENT_CLICKS);
  }
  if (event.honeypot) next.honeypotAt = earlier(state.honeypotAt, event.at);
  if (verdict.class === "human") {
    next.firstHumanClickAt = earlier(state.firstHumanClickAt, event.at);
    // Someone who clicked opened the mail, whatever the pixel said.
    const openAt = earlier(state.firstHumanOpenAt, event.at);
    if (openAt !== state.firstHumanOpenAt) {
      next.firstHumanOpenAt = openAt;
      next.humanOpenFromClick = true;
    }
  } else if (!state.machineClickClasses.includes(verdict.class)) {
    next.machineClickClasses = [...state.machineClickClasses, verdict.class];
  }
  return next;
}
