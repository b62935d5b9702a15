/**
 * bench:views — status views at scale, in an embedded PostgreSQL. Seeds campaigns, their messages and
 * events (seed.ts), then measures the server-side work of the campaign page (totals, activity chart,
 * first table page), table pages (filters, deep keyset pages, the address search), and one message
 * timeline, with the same query functions the pages call; prints each path's plans (EXPLAIN ANALYZE of
 * every statement it runs) and flags any sequential scan of message_events.
 *
 *   npm run bench:views                                  # 546,500 messages, ≈1,040,000 events
 *   npm run bench:views -- --events 10000000             # 2,000,000 messages, one campaign of 1,000,000
 *   npm run bench:views -- --events 10000000 --data /work/bench-data/views10m   # keep the seeded database
 *
 * Flags: --iterations N (default 100), --data DIR (seed once, reuse on the next runs), --pg-port P,
 * --no-plans (only the table), --write-rows N (the write-cost check: an insert and an update of N messages, default 100,000; 0 skips it).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { createDb, type Db } from "@/db";
import { migrateDatabase } from "@/db/migrate";
import { getCampaign } from "@/lib/campaigns/campaigns";
import { getCampaignOutcomes } from "@/lib/campaigns/stats";
import { freePort } from "@/lib/local/launcher/ports";
import { startEmbeddedPostgres } from "@/lib/local/launcher/postgres";
import { listCampaignRecipients, listMessageEvents } from "@/lib/messages/queries";
import { getCampaignActivity } from "@/lib/campaigns/activity";
import { getCampaignLastEventAt } from "@/lib/campaigns/live";
import { machine, percentile, table } from "../support";
import { describeViews, seedViews, shapeFor } from "./seed";
import { SEQ_SCAN_ROWS, seqScannedEventRows } from "./plans";

const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const ITERATIONS = Number(flag("iterations")) || 100;
const EVENTS = Number(flag("events")) || null;
const SHAPE = shapeFor(EVENTS);
// `--data DIR` keeps the database in DIR between runs: seeded once, reused as it is afterwards.
const DATA = flag("data") ? path.resolve(flag("data")!) : null;
const PLANS = !args.includes("--no-plans");
const WRITE_ROWS = flag("write-rows") === undefined ? 100_000 : Number(flag("write-rows"));

/** p50/p95/max over ITERATIONS runs after 5 warm ones; a slow path (over 100 ms warm) runs fewer times, 20 at least. */
async function measure(name: string, fn: () => Promise<unknown>) {
  const warm = performance.now();
  for (let i = 0; i < 5; i++) await fn();
  const perRun = (performance.now() - warm) / 5;
  const runs = perRun > 100 ? Math.max(20, Math.min(ITERATIONS, Math.ceil(10_000 / perRun))) : ITERATIONS;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { path: name, runs, "p50 (ms)": percentile(times, 50).toFixed(2), "p95 (ms)": percentile(times, 95).toFixed(2), "max (ms)": times[times.length - 1].toFixed(2) };
}

/**
 * Runs a path once while recording the SELECTs it sends, then EXPLAIN ANALYZEs each of them: the plan
 * text, and whether any reads message_events (or one of its partitions) sequentially.
 */
async function explainPath(db: Db, fn: () => Promise<unknown>): Promise<{ seq: string; plans: string[] }> {
  const client = db.$client;
  const statements: { text: string; values: unknown[] }[] = [];
  const original = client.query.bind(client);
  (client as unknown as { query: unknown }).query = (config: unknown, values?: unknown) => {
    const text = typeof config === "string" ? config : (config as { text: string }).text;
    // drizzle passes ({ text, rowMode, types }, params); plain callers pass (text, params) or ({ text, values }).
    const vals = (typeof config === "string" ? values : ((config as { values?: unknown[] }).values ?? values)) as unknown[] | undefined;
    if (/^\s*select/i.test(text)) statements.push({ text, values: vals ?? [] });
    return original(config as never, values as never);
  };
  try {
    await fn();
  } finally {
    (client as unknown as { query: unknown }).query = original;
  }
  const seq: string[] = [];
  const plans: string[] = [];
  for (const s of statements) {
    const result = await original(`explain (analyze, buffers) ${s.text}`, s.values as never[]);
    const plan = (result.rows as { "QUERY PLAN": string }[]).map((r) => r["QUERY PLAN"]).join("\n");
    if (seqScannedEventRows(plan) > SEQ_SCAN_ROWS) seq.push(s.text.slice(0, 60));
    plans.push(`${s.text.replace(/\s+/g, " ").slice(0, 400)}\n  params: ${JSON.stringify(s.values)}\n${plan}`);
  }
  return { seq: seq.length ? `SEQ SCAN: ${seq.join("; ")}` : `no seq scan of message_events reading over ${SEQ_SCAN_ROWS.toLocaleString("en")} rows`, plans };
}

/**
 * What the search index costs the writers, each in a transaction that is rolled back, with every index
 * and then with the GIN indexes of messages dropped: inserting `rows` messages into a new campaign in
 * one statement (what freezing an audience does), and updating `rows` messages' status the way an
 * event does (no update of messages is HOT: its status and times are indexed, so the new row version
 * gets an entry in every index, the trigram one included).
 */
async function writeCost(db: Db, rows: number) {
  const client = await db.$client.connect();
  const { rows: gin } = await client.query<{ name: string }>(
    `select indexrelid::regclass::text as name from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam
     where i.indrelid = 'messages'::regclass and a.amname = 'gin'`,
  );
  const once = async (drop: boolean, statement: "insert" | "update") => {
    await client.query("begin");
    try {
      if (drop) for (const g of gin) await client.query(`drop index ${g.name}`);
      const t = performance.now();
      if (statement === "insert") {
        const [{ id }] = (await client.query<{ id: string }>(`insert into campaigns (name, from_email, subject, html) values ('write cost', 'news@bench.test', 's', '<p>hi</p>') returning id`)).rows;
        await client.query(
          `insert into messages (kind, campaign_id, to_email, from_email, subject, message_stream, status)
           select 'campaign', $1::uuid, 'w' || i || '.write@bench.test', 'news@bench.test', 's', 'broadcast', 'queued' from generate_series(1, $2::int) i`,
          [id, rows],
        );
      } else {
        await client.query(
          `update messages set status = 'opened', first_opened_at = now(), last_opened_at = now(), open_count = 1, last_event_at = now()
           where id in (select id from messages where status = 'delivered' limit $1)`,
          [rows],
        );
      }
      return performance.now() - t;
    } finally {
      await client.query("rollback");
    }
  };
  try {
    const result: Record<string, string | number>[] = [];
    for (const statement of ["insert", "update"] as const) {
      // Twice each, alternating; the faster of each pair (the first statement also warms the caches).
      const times = [await once(false, statement), await once(true, statement), await once(false, statement), await once(true, statement)];
      result.push({
        statement: `${statement} ${rows.toLocaleString("en")} messages`,
        "every index (s)": (Math.min(times[0], times[2]) / 1000).toFixed(2),
        [`without ${gin.map((g) => g.name).join(", ") || "(no GIN index)"} (s)`]: (Math.min(times[1], times[3]) / 1000).toFixed(2),
      });
    }
    return result;
  } finally {
    client.release();
  }
}

const GOALS: Record<string, number> = { totals: 50, table: 30, search: 30, timeline: 10 };

async function main() {
  console.log(`bench:views on ${machine()}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  const dir = DATA ?? fs.mkdtempSync(path.join(os.tmpdir(), "postline-bench-views-"));
  fs.mkdirSync(dir, { recursive: true });
  const port = Number(flag("pg-port")) || (await freePort());
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, "pg"),
    port,
    password: "bench",
    settings: { shared_buffers: "512MB", work_mem: "16MB", max_wal_size: "8GB", checkpoint_timeout: "30min" },
  });
  await migrateDatabase(server.url);
  const db = createDb(server.url, { max: 4 });
  try {
    const client = await db.$client.connect();
    try {
      const before = await describeViews(client);
      // A seed that did not finish (stopped half way) must not be measured as if it had.
      const marker = path.join(dir, "seeded.json");
      if (before.campaigns && !fs.existsSync(marker)) throw new Error(`${dir} holds a seed that did not finish: delete it and run again`);
      if (before.campaigns) {
        const seeded = JSON.parse(fs.readFileSync(marker, "utf8")) as { events: number | null };
        console.log(`reusing the database in ${dir}${seeded.events !== EVENTS ? ` (seeded with --events ${seeded.events ?? "default"}; --events ${EVENTS ?? "default"} ignored)` : ""}`);
      } else {
        console.log(`seeding ${SHAPE.campaigns} campaigns (one of ${SHAPE.big.toLocaleString("en")}, the others ${SHAPE.small.toLocaleString("en")}), ${SHAPE.extraOpens.toFixed(2)} repeated opens per opened message:`);
        const seeded = await seedViews(client, SHAPE, (line) => console.log(line));
        console.log(`seeded in ${seeded.seconds.toFixed(0)} s`);
        fs.writeFileSync(marker, JSON.stringify({ events: EVENTS, shape: SHAPE, seconds: Math.round(seeded.seconds) }));
      }
      const now = await describeViews(client);
      console.log(`${now.campaigns} campaigns, ${now.messages.toLocaleString("en")} messages (largest campaign ${now.big.toLocaleString("en")}), ${now.events.toLocaleString("en")} events; database ${now.bytes}\n`);
    } finally {
      client.release();
    }
    const [big] = (await db.execute<{ id: string; recipient_count: number }>(sql`select id, recipient_count from campaigns order by recipient_count desc, name limit 1`)).rows;
    const [small] = (await db.execute<{ id: string; recipient_count: number }>(sql`select id, recipient_count from campaigns where name <> 'write cost' order by recipient_count, name limit 1`)).rows;
    const id = big.id;
    const deep = await (async () => {
      let after: string | null = null;
      for (let i = 0; i < 40; i++) after = (await listCampaignRecipients(db, { campaignId: id, after, limit: 500 })).next;
      return after;
    })();
    const [someMessage] = (await db.execute<{ id: string }>(sql`select id from messages where campaign_id = ${id}::uuid and status = 'clicked' and open_count = (select max(open_count) from messages where campaign_id = ${id}::uuid and status = 'clicked') limit 1`)).rows;
    const bigN = big.recipient_count.toLocaleString("en");
    const smallN = small.recipient_count.toLocaleString("en");

    const paths: [string, string, () => Promise<unknown>][] = [
      ["totals", "campaign totals (counters)", () => Promise.all([getCampaign(db, id), getCampaignOutcomes(db, id)])],
      [
        "page",
        "campaign page (totals + chart + first table page)",
        async () => {
          // What the page reads on each render, live refreshes included: the campaign, when its last
          // event came (whether to stay live), then totals, the chart and the first table page.
          const campaign = (await getCampaign(db, id))!;
          await getCampaignLastEventAt(db, id);
          return Promise.all([getCampaignOutcomes(db, id), getCampaignActivity(db, { campaign, live: true, now: new Date() }), listCampaignRecipients(db, { campaignId: id })]);
        },
      ],
      ["table", "table page: all, by address", () => listCampaignRecipients(db, { campaignId: id })],
      ["table", "table page: opened", () => listCampaignRecipients(db, { campaignId: id, filter: "opened" })],
      ["table", "table page: unopened", () => listCampaignRecipients(db, { campaignId: id, filter: "unopened" })],
      ["table", "table page: bounced", () => listCampaignRecipients(db, { campaignId: id, filter: "bounced" })],
      ["table", "table page: latest activity", () => listCampaignRecipients(db, { campaignId: id, sort: "-activity" })],
      ["table", "table page 41 (keyset, 20,000 rows in)", () => listCampaignRecipients(db, { campaignId: id, after: deep })],
      // The address search: rare terms, a frequent one, one every address has, short terms (no trigram), no match.
      ...(
        [
          ["r1999", big, bigN],
          ["r19990", big, bigN],
          ["r19", big, bigN],
          ["bench", big, bigN],
          ["r1", big, bigN],
          ["7", big, bigN],
          ["zz", big, bigN],
          ["nobody", big, bigN],
          ["r1999", small, smallN],
          ["bench", small, smallN],
          ["zz", small, smallN],
        ] as const
      ).map(([term, campaign, n]): [string, string, () => Promise<unknown>] => ["search", `search '${term}' in ${n}`, () => listCampaignRecipients(db, { campaignId: campaign.id, search: term })]),
      ["timeline", "message timeline (most events)", () => listMessageEvents(db, someMessage.id)],
    ];
    const rows = [];
    const allPlans: string[] = [];
    for (const [kind, name, fn] of paths) {
      const measured = await measure(name, fn);
      const explained = await explainPath(db, fn);
      const goal = GOALS[kind];
      rows.push({ ...measured, goal: goal ? `p95 ≤ ${goal} ms: ${Number(measured["p95 (ms)"]) <= goal ? "met" : "MISSED"}` : "", plan: explained.seq });
      allPlans.push(`### ${name}\n${explained.plans.join("\n\n")}`);
    }
    if (PLANS) console.log(`${allPlans.join("\n\n")}\n`);
    console.log(`load average now ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log(table(rows));
    if (WRITE_ROWS > 0) console.log(`\nwhat the GIN indexes of messages cost the writers (rolled back; load average ${os.loadavg()[0].toFixed(2)}):\n${table(await writeCost(db, WRITE_ROWS))}`);
  } finally {
    await db.$client.end();
    await server.stop();
    if (!DATA) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
