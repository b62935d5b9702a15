/**
 * bench:engagement, phase 3: the corpus through the real webhook route of `next start` (through the
 * launcher, its own port and data directory), so the accuracy printed is what ingestion stored, not
 * a model of it; then ingest throughput of engagement events (opens and clicks with real user agents,
 * addresses and timing, every one classified) against the no-op route of the same app.
 */
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { createDb, type Db } from "@/db";
import { closedLoop, post } from "../ingest/http";
import { ROOT, startLauncher, stopLauncher } from "../support";
import type { LabelledEvent } from "./corpus";

const PORT = 3321;
const POSTGRES_PORT = 5471;
const DATA = ".data/bench-engagement";

interface Prepared {
  bodies: string[];
  /** The truth of each body, by event key (MessageID, record type, link, ReceivedAt). */
  truth: Map<string, LabelledEvent>;
}

const keyOf = (pm: string, type: string, link: string | null | undefined, at: string) => `${pm}|${type}|${link ?? ""}|${Date.parse(at)}`;

/** One message per corpus recipient (sent and delivered when the corpus says), and the corpus's events pointed at them. */
async function prepare(db: Db, corpus: LabelledEvent[], tag: string): Promise<Prepared> {
  const keys = [...new Set(corpus.map((e) => e.messageKey))];
  const index = new Map(keys.map((k, i) => [k, i]));
  const first = new Map<string, LabelledEvent>();
  for (const e of corpus) if (!first.has(e.messageKey)) first.set(e.messageKey, e);
  const [c] = (await db.execute<{ id: string }>(sql`insert into campaigns (name, from_email, subject, html, status, recipient_count, sent_count)
    values (${"engagement " + tag}, 'news@bench.test', 's', '<p>h</p>', 'sent', ${keys.length}::int, ${keys.length}::int) returning id`)).rows;
  const rows = keys.map((k, i) => {
    const e = first.get(k)!;
    const delivered = e.deliveredAt ?? new Date(Date.parse(e.payload.ReceivedAt) - 60_000);
    return { pm: `${tag}-${i}`, email: `${tag}-${i}@engagement.bench.test`, sent: (e.sentAt ?? new Date(delivered.getTime() - 1000)).toISOString(), delivered: delivered.toISOString() };
  });
  for (let i = 0; i < rows.length; i += 5000) {
    await db.execute(sql`
      insert into messages (kind, campaign_id, to_email, from_email, subject, message_stream, status, postmark_message_id, sent_at, delivered_at)
      select 'campaign', ${c.id}::uuid, r.email, 'news@bench.test', 's', 'broadcast', 'delivered', r.pm, r.sent, r.delivered
      from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + 5000))}::jsonb) as r(pm text, email text, sent timestamptz, delivered timestamptz)`);
  }
  // Postmark posts in roughly the order things happen; 32 in flight reorders neighbours, as in life.
  const events = [...corpus].sort((a, b) => Date.parse(a.payload.ReceivedAt) - Date.parse(b.payload.ReceivedAt));
  const truth = new Map<string, LabelledEvent>();
  const bodies = events.map((e) => {
    const row = rows[index.get(e.messageKey)!];
    const payload = { ...e.payload, MessageID: row.pm, Recipient: row.email, MessageStream: "broadcast", Tag: "bench", Metadata: {} } as Record<string, unknown>;
    truth.set(keyOf(row.pm, String(payload.RecordType), payload.OriginalLink as string | null, String(payload.ReceivedAt)), e);
    return JSON.stringify(payload);
  });
  return { bodies, truth };
}

export interface IngestPhaseResult {
  stored: number;
  posted: number;
  human: { precision: number; recall: number };
  confusion: Record<string, Record<string, number>>;
  throughput: { webhook: number; noop: number; ratio: number };
}

export async function ingestPhase(accuracyCorpus: LabelledEvent[], throughputCorpus: LabelledEvent[]): Promise<IngestPhaseResult> {
  const launcher = await startLauncher({ dataDir: DATA, port: PORT, postgresPort: POSTGRES_PORT, env: { POSTLINE_BENCH_ROUTES: "on", POSTLINE_CRON: "off", ADMIN_PASSWORD: "bench-admin-password" }, fresh: true });
  const secrets = JSON.parse(fs.readFileSync(path.join(ROOT, DATA, "secrets.json"), "utf8")) as { POSTMARK_WEBHOOK_SECRET: string; POSTGRES_PASSWORD: string };
  const db = createDb(`postgres://postgres:${encodeURIComponent(secrets.POSTGRES_PASSWORD)}@127.0.0.1:${POSTGRES_PORT}/postline`, { max: 4 });
  const secret = secrets.POSTMARK_WEBHOOK_SECRET;
  try {
    // Accuracy as stored.
    const acc = await prepare(db, accuracyCorpus, "acc");
    let next = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < acc.bodies.length) {
          const r = await post(PORT, "/api/webhooks/postmark", acc.bodies[next++], secret);
          if (r.status !== 200) failed++;
        }
      }),
    );
    if (failed) throw new Error(`${failed} posts refused`);
    const stored = (
      await db.execute<{ pm: string; record_type: string; link: string | null; at: string; cls: string }>(sql`
        select e.postmark_message_id as pm, e.record_type, e.details->>'link' as link, r.raw->>'ReceivedAt' as at, e.engagement_class::text as cls
        from message_events e join message_event_raw r on r.event_id = e.id and r.received_at = e.received_at
        where e.postmark_message_id like 'acc-%' and e.record_type in ('Open', 'Click')`)
    ).rows;
    const classes = ["human", "apple_mpp", "image_proxy", "link_scanner", "unknown"];
    const confusion = Object.fromEntries(classes.map((t) => [t, Object.fromEntries(classes.map((p) => [p, 0]))])) as Record<string, Record<string, number>>;
    for (const row of stored) {
      const truth = acc.truth.get(keyOf(row.pm, row.record_type, row.link, row.at));
      if (truth) confusion[truth.truth][row.cls]++;
    }
    const tp = confusion.human.human;
    const predicted = classes.reduce((n, t) => n + confusion[t].human, 0);
    const actual = classes.reduce((n, p) => n + confusion.human[p], 0);

    // Throughput: distinct engagement events (each a real insert and classification) vs the no-op route.
    const tp2 = await prepare(db, throughputCorpus, "tp");
    // The no-op route stores nothing, so it may cycle; the webhook's bodies are each posted once
    // (warm-up included) unless the corpus runs out, which is said.
    let i = 0;
    let j = 0;
    const noopBody = () => tp2.bodies[i++ % tp2.bodies.length];
    const hookBody = () => tp2.bodies[j++ % tp2.bodies.length];
    await closedLoop(PORT, "/api/bench/noop", noopBody, secret, 3);
    await closedLoop(PORT, "/api/webhooks/postmark", hookBody, secret, 3);
    const noop = await closedLoop(PORT, "/api/bench/noop", noopBody, secret, 15);
    const hook = await closedLoop(PORT, "/api/webhooks/postmark", hookBody, secret, 15);
    if (j > tp2.bodies.length) console.warn(`(throughput corpus wrapped: ${j} posts for ${tp2.bodies.length} events; later posts were duplicates)`);
    return {
      stored: stored.length,
      posted: acc.bodies.length,
      human: { precision: tp / predicted, recall: tp / actual },
      confusion,
      throughput: { webhook: hook.rps, noop: noop.rps, ratio: hook.rps / noop.rps },
    };
  } finally {
    await db.$client.end();
    await stopLauncher(launcher);
  }
}
