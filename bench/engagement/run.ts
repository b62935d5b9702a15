/**
 * bench:engagement — how well lib/engagement tells people from machines (issue 15, item 6).
 *
 *   1. accuracy: a labelled corpus (the documented examples plus sandbox traffic with known truth,
 *      deterministic for --seed) classified the way ingestion will; precision and recall per class,
 *      the confusion matrix, the share of opens reclassified, and the per-recipient "opened by a person";
 *   2. the classifier's own speed (events per second, one core);
 *   3. the corpus posted to the real webhook route of `next start` (launcher on port 3321, its own
 *      PostgreSQL on 5471 and .data/bench-engagement): precision and recall as ingestion stored them; then
 *      ingest throughput of another corpus's opens and clicks against the no-op route of the same app
 *      (goal ≥ 0.8). `--skip-ingest` stops after phase 2.
 *
 *   npm run bench:engagement                     # 12,000 recipients, seed 1
 *   npm run bench:engagement -- --recipients 50000 --seed 7
 */
import { classifyEngagement, compileRules, engagementEventFromPostmark } from "@/lib/engagement/classify";
import { ENGAGEMENT_RULES } from "@/lib/engagement/rules";
import { emptyEngagement } from "@/lib/engagement/state";
import { machine, table } from "../support";
import { documentedExamples, sandboxCorpus } from "./corpus";
import { ingestPhase } from "./ingest-phase";
import { classifyCorpus, scoreByClass } from "./score";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const SEED = arg("--seed", 1);
const RECIPIENTS = arg("--recipients", 12_000);
// The world the sandbox simulates: the issue's example rates; Gmail's proxy for a fifth of the other opens.
const RATES = { open: 0.45, click: 0.12, hardbounce: 0.01, softbounce: 0.005, spam: 0.001, unsubscribe: 0.003, mpp: 0.5, scanner: 0.05, proxy: 0.2 };
const GOAL = { precision: 0.98, recall: 0.95, throughput: 0.8 };
// Recipients of the second corpus, posted for throughput: enough that 18 s of webhook posts never repeat one.
const THROUGHPUT_RECIPIENTS = arg("--throughput-recipients", 40_000);

const pct = (x: number) => (Number.isNaN(x) ? "—" : `${(100 * x).toFixed(2)}%`);

async function main() {
  console.log(`bench:engagement — rules ${ENGAGEMENT_RULES.version}; seed ${SEED}; ${RECIPIENTS} recipients; ${machine()}`);
  console.log(`sandbox rates: ${Object.entries(RATES).map(([k, v]) => `${k}=${v}`).join(",")}\n`);

  // 1. Accuracy.
  const documented = documentedExamples();
  const generated = await sandboxCorpus({ seed: SEED, recipients: RECIPIENTS, rates: RATES });
  const corpus = [...documented, ...generated];
  const { scored, states } = classifyCorpus(corpus);
  const { perClass, confusion } = scoreByClass(scored);
  console.log(`corpus: ${corpus.length} events (${documented.length} documented, ${generated.length} from the sandbox), ${states.size} recipients with engagement\n`);
  console.log(table(perClass.map((c) => ({ class: c.class, "events (truth)": c.truth, "classified as": c.predicted, correct: c.correct, precision: pct(c.precision), recall: pct(c.recall) }))));
  console.log("\nconfusion (rows: truth, columns: classified as)");
  console.log(table(Object.entries(confusion).map(([t, row]) => ({ truth: t, ...row }))));

  const opens = scored.filter((s) => s.event.payload.RecordType === "Open");
  const humanOpenClasses = new Set<string>(ENGAGEMENT_RULES.humanOpenClasses);
  const reclassified = opens.filter((s) => !humanOpenClasses.has(s.predicted)).length;
  const clicks = scored.filter((s) => s.event.payload.RecordType === "Click");
  const machineClicks = clicks.filter((s) => s.predicted !== "human").length;
  console.log(`\nopens reclassified (not a person opening): ${reclassified} of ${opens.length} = ${pct(reclassified / opens.length)}`);
  console.log(`clicks reclassified (not a person clicking): ${machineClicks} of ${clicks.length} = ${pct(machineClicks / clicks.length)}`);

  // Per recipient: "opened by a person" (a human or proxy open, or a human click) against the truth.
  const truthOpened = new Map<string, boolean>();
  for (const e of corpus) {
    const person = e.truth === "human" || (e.truth === "image_proxy" && e.payload.RecordType === "Open");
    truthOpened.set(e.messageKey, (truthOpened.get(e.messageKey) ?? false) || person);
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let anyOpen = 0;
  for (const [key, state] of states) {
    const predicted = state.firstHumanOpenAt !== null;
    const truth = truthOpened.get(key) ?? false;
    if (state.firstOpenAt || state.firstHumanOpenAt) anyOpen++;
    if (predicted && truth) tp++;
    else if (predicted) fp++;
    else if (truth) fn++;
  }
  console.log(`recipients "opened by a person": ${tp + fp} classified, ${tp + fn} truly; precision ${pct(tp / (tp + fp))}, recall ${pct(tp / (tp + fn))}`);
  console.log(`recipients with any open or human click: ${anyOpen}; machine-only among them: ${pct((anyOpen - tp - fp) / anyOpen)}`);

  const errors = scored.filter((s) => s.predicted !== s.event.truth);
  const byActor = new Map<string, number>();
  for (const s of errors) byActor.set(`${s.event.actor} → ${s.predicted} (${s.reasons.join(", ")})`, (byActor.get(`${s.event.actor} → ${s.predicted} (${s.reasons.join(", ")})`) ?? 0) + 1);
  console.log(`\nmisclassified, by who really fetched (top 12 of ${byActor.size}):`);
  for (const [what, n] of [...byActor].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${String(n).padStart(5)}  ${what}`);

  const human = perClass.find((c) => c.class === "human")!;
  const met = human.precision >= GOAL.precision && human.recall >= GOAL.recall;
  console.log(`\ngoal for human (precision ≥ ${GOAL.precision}, recall ≥ ${GOAL.recall}): ${met ? "met" : "MISSED"} — precision ${pct(human.precision)}, recall ${pct(human.recall)}`);

  // 2. The classifier's speed: what ingestion adds per Open/Click (rules compiled once).
  const compiled = compileRules(ENGAGEMENT_RULES);
  const events = corpus.map((e) => engagementEventFromPostmark(e.payload));
  const state = emptyEngagement({ deliveredAt: new Date("2026-11-03T14:00:00Z") });
  const rounds = Math.max(1, Math.ceil(200_000 / events.length));
  const started = performance.now();
  for (let r = 0; r < rounds; r++) for (const e of events) classifyEngagement(e, state, compiled);
  const ms = performance.now() - started;
  console.log(`\nclassifier speed: ${Math.round((rounds * events.length) / (ms / 1000)).toLocaleString("en")} events/s on one core (${((1000 * ms) / (rounds * events.length)).toFixed(2)} µs each; networks: ${compiled.networks.size.v4} IPv4 + ${compiled.networks.size.v6} IPv6 ranges)`);

  // 3. Through the real webhook route: accuracy as ingestion stored it, and throughput vs the no-op route.
  if (args.includes("--skip-ingest")) return;
  const throughputCorpus = await sandboxCorpus({ seed: SEED + 1000, recipients: THROUGHPUT_RECIPIENTS, rates: RATES });
  console.log(`\ningest through POST /api/webhooks/postmark (next start, 32 in flight): ${corpus.length} corpus events, then ${throughputCorpus.length} others for throughput`);
  const r = await ingestPhase(corpus, throughputCorpus);
  console.log(`stored ${r.stored} of ${r.posted} opens and clicks; as stored, human precision ${pct(r.human.precision)}, recall ${pct(r.human.recall)}`);
  console.log(table(Object.entries(r.confusion).map(([t, row]) => ({ truth: t, ...row }))));
  const tpMet = r.throughput.ratio >= GOAL.throughput;
  console.log(`\ningest throughput (opens and clicks, each classified): webhook ${Math.round(r.throughput.webhook)} req/s vs no-op ${Math.round(r.throughput.noop)} req/s = ${r.throughput.ratio.toFixed(2)} (goal ≥ ${GOAL.throughput}: ${tpMet ? "met" : "MISSED"})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
