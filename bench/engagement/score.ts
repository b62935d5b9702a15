/**
 * Classifies a labelled corpus the way ingestion will (per message, events in timestamp order, the
 * message's engagement state folded as it goes) and scores it: per-class precision and recall, the
 * confusion matrix, and what it does to the marketer's numbers.
 */
import { classifyEngagement, compileRules, engagementEventFromPostmark } from "@/lib/engagement/classify";
import { ENGAGEMENT_RULES, type EngagementClass, type EngagementRules } from "@/lib/engagement/rules";
import { emptyEngagement, recordEngagement, type MessageEngagement } from "@/lib/engagement/state";
import type { LabelledEvent, TruthClass } from "./corpus";

export const CLASSES: TruthClass[] = ["human", "apple_mpp", "image_proxy", "link_scanner", "unknown"];

export interface Scored {
  event: LabelledEvent;
  predicted: EngagementClass;
  reasons: string[];
}

export function classifyCorpus(corpus: LabelledEvent[], rules: EngagementRules = ENGAGEMENT_RULES): { scored: Scored[]; states: Map<string, MessageEngagement> } {
  const compiled = compileRules(rules);
  const byMessage = new Map<string, LabelledEvent[]>();
  for (const e of corpus) {
    const list = byMessage.get(e.messageKey);
    if (list) list.push(e);
    else byMessage.set(e.messageKey, [e]);
  }
  const scored: Scored[] = [];
  const states = new Map<string, MessageEngagement>();
  for (const [key, events] of byMessage) {
    events.sort((a, b) => Date.parse(a.payload.ReceivedAt) - Date.parse(b.payload.ReceivedAt));
    let state = emptyEngagement({ sentAt: events[0].sentAt, deliveredAt: events[0].deliveredAt });
    for (const e of events) {
      const event = engagementEventFromPostmark(e.payload);
      const verdict = classifyEngagement(event, state, compiled);
      scored.push({ event: e, predicted: verdict.class, reasons: verdict.reasons });
      state = recordEngagement(state, event, verdict, rules);
    }
    states.set(key, state);
  }
  return { scored, states };
}

export interface ClassScore {
  class: TruthClass;
  truth: number;
  predicted: number;
  correct: number;
  precision: number;
  recall: number;
}

export function scoreByClass(scored: Scored[]): { perClass: ClassScore[]; confusion: Record<TruthClass, Record<TruthClass, number>> } {
  const confusion = Object.fromEntries(CLASSES.map((t) => [t, Object.fromEntries(CLASSES.map((p) => [p, 0]))])) as Record<TruthClass, Record<TruthClass, number>>;
  for (const s of scored) confusion[s.event.truth][s.predicted]++;
  const perClass = CLASSES.map((c) => {
    const truth = CLASSES.reduce((n, p) => n + confusion[c][p], 0);
    const predicted = CLASSES.reduce((n, t) => n + confusion[t][c], 0);
    const correct = confusion[c][c];
    return { class: c, truth, predicted, correct, precision: predicted ? correct / predicted : NaN, recall: truth ? correct / truth : NaN };
  });
  return { perClass, confusion };
}
