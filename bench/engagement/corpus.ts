/**
 * The labelled corpus: the documented examples (their class is in the file name) plus traffic from the
 * Postmark sandbox's own generator (lib/local/postmark-sandbox/machine-traffic.ts through its engine,
 * in process, no HTTP), each event with the ground truth the sandbox recorded. Deterministic for a seed.
 */
import fs from "node:fs";
import path from "node:path";
import type { PostmarkEngagementFields } from "@/lib/engagement/classify";
import { engineDefaults, SandboxEngine } from "@/lib/local/postmark-sandbox/engine";
import { seededRandom } from "@/lib/local/postmark-sandbox/outcomes";
import { webhookPayload } from "@/lib/local/postmark-sandbox/payloads";
import type { SendInput } from "@/lib/local/postmark-sandbox/send-request";
import type { SandboxRates } from "@/lib/local/postmark-sandbox/types";
import { ROOT } from "../support";

export type TruthClass = "human" | "apple_mpp" | "image_proxy" | "link_scanner" | "unknown";

export interface LabelledEvent {
  /** Events of one recipient of one message share a key; they are classified in timestamp order. */
  messageKey: string;
  payload: PostmarkEngagementFields;
  truth: TruthClass;
  source: "documented" | "sandbox";
  /** Who really fetched (sandbox actor, or the documented file). */
  actor: string;
  sentAt: Date | null;
  deliveredAt: Date | null;
}

/** ENGAGEMENT.md §d: every documented example was delivered at this instant. */
const DOCUMENTED_DELIVERY = new Date("2026-11-03T14:00:02Z");

export function documentedExamples(sharedDir = process.env.POSTLINE_SHARED_DIR ?? path.resolve(ROOT, "../shared")): LabelledEvent[] {
  const dir = path.join(sharedDir, "postmark", "webhooks");
  return fs
    .readdirSync(dir)
    .filter((f) => /^engagement-.+-\d+\.json$/.test(f))
    .map((file) => {
      const payload = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as PostmarkEngagementFields & { MessageID: string; Recipient: string };
      return {
        messageKey: `${payload.MessageID}/${payload.Recipient}`,
        payload,
        truth: /^engagement-(.+)-\d+\.json$/.exec(file)![1] as TruthClass,
        source: "documented" as const,
        actor: file,
        sentAt: null,
        deliveredAt: DOCUMENTED_DELIVERY,
      };
    });
}

export interface SandboxCorpusOptions {
  seed: number;
  recipients: number;
  rates: Partial<SandboxRates>;
}

/** A newsletter with 3–8 tracked links and an unsubscribe link (which scanners skip, as the sandbox's do). */
function newsletter(i: number): SendInput {
  const links = 3 + (i % 6);
  const html = [
    `<a href="https://postline.example/view/${i}">View in browser</a>`,
    ...Array.from({ length: links - 1 }, (_, k) => `<a href="https://postline.example/c${i % 50}/item-${k}">Item ${k}</a>`),
    `<a href="https://postline.example/u/${i}">Unsubscribe</a>`,
  ].join("\n");
  const to = `reader${i}@example.com`;
  return { to, cc: "", bcc: "", recipients: [to], from: "news@postline.example", subject: `Issue ${i % 50}`, tag: "bench", metadata: { i: String(i) }, stream: "broadcast", htmlBody: html, textBody: null, headers: [], trackOpens: true, trackLinks: "HtmlAndText", attachments: [] };
}

export async function sandboxCorpus(options: SandboxCorpusOptions): Promise<LabelledEvent[]> {
  const defaults = engineDefaults();
  const engine = new SandboxEngine({
    ...defaults,
    rates: { ...defaults.rates, ...options.rates },
    delayMs: 0,
    keepBodies: false,
    random: seededRandom(options.seed),
    engagementRandom: seededRandom(options.seed ^ 0x5bd1e995),
    // The real world's timing (people read up to hours later) on a simulated clock that flush()
    // moves from event to event, so the corpus takes no wall-clock time.
    pace: "real",
    clock: "virtual",
    now: () => new Date("2026-11-03T14:00:00Z"),
    log: (m) => console.warn(m),
  });
  await engine.open();
  for (let start = 0; start < options.recipients; start += 500) {
    engine.accept(Array.from({ length: Math.min(500, options.recipients - start) }, (_, k) => newsletter(start + k)));
    await engine.flush({ timeoutMs: 120_000, horizonMs: Infinity });
  }
  const out: LabelledEvent[] = [];
  for (const m of engine.store.all()) {
    const delivery = m.events.find((e) => e.recordType === "Delivery");
    for (const e of m.events) {
      if ((e.recordType !== "Open" && e.recordType !== "Click") || !e.truth) continue;
      out.push({
        messageKey: `${m.messageId}/${e.recipient}`,
        payload: webhookPayload(m, e, 4010) as unknown as PostmarkEngagementFields,
        truth: e.truth,
        source: "sandbox",
        actor: e.actor ?? "?",
        sentAt: new Date(m.submittedAt),
        deliveredAt: delivery ? new Date(delivery.at) : null,
      });
    }
  }
  await engine.close();
  return out;
}
