/**
 * bench:views — status views at scale: 1,000,000 events over 100 campaigns, one of them with 200,000
 * recipients, in an embedded PostgreSQL. Measures the server-side work of the campaign page (totals,
 * activity chart, first table page), table pages (filters, deep keyset pages, search), and one message
 * timeline; then EXPLAINs each path and reports any sequential scan of message_events.
 *
 *   npm run bench:views            # add -- --iterations 200 for tighter percentiles
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

const args = process.argv.slice(2);
const ITERATIONS = Number(args[args.indexOf("--iterations") + 1]) || 100;
const BIG = 200_000;
const SMALL_CAMPAIGNS = 99;
const SMALL = 3_500;

async function seed(db: Db) {
  const started = performance.now();
  await db.execute(sql`
    insert into campaigns (id, name, from_email, subject, html, status, recipient_count, sent_count, started_at, completed_at)
    select gen_random_uuid(), 'Campaign ' || g, 'news@bench.test', 'Subject ' || g, '<p>hi</p>', 'sent',
           case when g = 0 then ${BIG}::int else ${SMALL}::int end, case when g = 0 then ${BIG}::int else ${SMALL}::int end, now() - interval '2 days', now() - interval '2 days'
    from generate_series(0, ${SMALL_CAMPAIGNS}::int) g`);
  // One message per recipient; outcome decided by the row number: 60% open, 25% click, 3% bounce.
  await db.execute(sql`
    with c as (select id, recipient_count, row_number() over (order by name) as n from campaigns)
    insert into messages (kind, campaign_id, to_email, from_email, subject, message_stream, status, postmark_message_id, sent_at, delivered_at, first_opened_at, last_opened_at, open_count, first_clicked_at, last_clicked_at, click_count, bounced_at, last_event_at)
    select 'campaign', c.id, 'r' || i || '.c' || c.n || '@bench.test', 'news@bench.test', 's', 'broadcast',
      (case when i % 100 < 3 then 'bounced' when i % 4 = 0 then 'clicked' when i % 10 < 6 then 'opened' else 'delivered' end)::message_status,
      gen_random_uuid()::text, t, case when i % 100 < 3 then null else t + interval '1 minute' end,
      case when i % 100 >= 3 and (i % 4 = 0 or i % 10 < 6) then t + interval '1 hour' end,
      case when i % 100 >= 3 and (i % 4 = 0 or i % 10 < 6) then t + interval '1 hour' end,
      case when i % 100 >= 3 and (i % 4 = 0 or i % 10 < 6) then 1 else 0 end,
      case when i % 100 >= 3 and i % 4 = 0 then t + interval '2 hours' end,
      case when i % 100 >= 3 and i % 4 = 0 then t + interval '2 hours' end,
      case when i % 100 >= 3 and i % 4 = 0 then 1 else 0 end,
      case when i % 100 < 3 then t + interval '1 minute' end,
      t + interval '2 hours'
    from c, generate_series(1, c.recipient_count) i, lateral (select now() - interval '2 days' + (i % 1440) * interval '1 minute' as t) x`);
  // Who opened and clicked (issue 15): half of the opens a person's, the rest Apple's prefetch only;
  // a click is a person's one time in three, else a link scanner's (a person's click implies an open).
  await db.execute(sql`
    update messages set
      open_classes = case when first_opened_at is null then '{}'::text[] when abs(hashtext(id::text)) % 2 = 0 then '{human}' else '{apple_mpp}' end,
      click_classes = case when first_clicked_at is null then '{}'::text[] when abs(hashtext(id::text)) % 3 = 0 then '{human}' else '{link_scanner}' end,
      first_human_clicked_at = case when first_clicked_at is not null and abs(hashtext(id::text)) % 3 = 0 then first_clicked_at end,
      first_human_opened_at = case when first_opened_at is not null and abs(hashtext(id::text)) % 2 = 0 then first_opened_at
                                   when first_clicked_at is not null and abs(hashtext(id::text)) % 3 = 0 then first_clicked_at end`);
  // The events behind those states: delivery, open, click and bounce rows with raw JSON (its own
  // table) and keys (the de-duplication), as ingestion stores them.
  await db.execute(sql`
    with ev as (
      insert into message_events (event_key, message_id, postmark_message_id, record_type, recipient, occurred_at, source, details)
      select md5(m.id::text || e.kind), m.id, m.postmark_message_id, e.kind, m.to_email, e.at, 'webhook', '{}'::jsonb
      from messages m,
      lateral (values ('Delivery', m.delivered_at), ('Open', m.first_opened_at), ('Click', m.first_clicked_at), ('Bounce', m.bounced_at)) as e(kind, at)
      where e.at is not null
      returning id, received_at, event_key, record_type, postmark_message_id, recipient
    ),
    raw as (
      insert into message_event_raw (event_id, received_at, raw)
      select id, received_at, jsonb_build_object('RecordType', record_type, 'MessageID', postmark_message_id, 'Recipient', recipient) from ev
    )
    insert into message_event_keys (event_key) select event_key from ev`);
  await db.execute(sql`
    insert into campaign_event_counters (campaign_id, shard, delivered, opened, clicked, bounced, opened_human, clicked_human, opened_machine_only, opened_apple_mpp, clicked_link_scanner)
    select campaign_id, 0, count(delivered_at), count(first_opened_at), count(first_clicked_at), count(bounced_at),
           count(first_human_opened_at), count(first_human_clicked_at), count(*) filter (where first_opened_at is not null and first_human_opened_at is null),
           count(*) filter (where 'apple_mpp' = any (open_classes)), count(*) filter (where 'link_scanner' = any (click_classes))
    from messages group by campaign_id`);
  await db.execute(sql`
    insert into campaign_hourly_activity (campaign_id, hour, opens, clicks)
    select campaign_id, date_trunc('hour', coalesce(first_clicked_at, first_opened_at)), count(first_opened_at), count(first_clicked_at)
    from messages where first_opened_at is not null group by 1, 2`);
  await db.execute(sql`vacuum analyze`);
  const [{ events }] = (await db.execute<{ events: number }>(sql`select count(*)::int as events from message_events`)).rows;
  const [{ msgs }] = (await db.execute<{ msgs: number }>(sql`select count(*)::int as msgs from messages`)).rows;
  return { seconds: (performance.now() - started) / 1000, events, messages: msgs };
}

async function measure(name: string, fn: () => Promise<unknown>) {
  for (let i = 0; i < 5; i++) await fn(); // warm
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { path: name, "p50 (ms)": percentile(times, 50).toFixed(2), "p95 (ms)": percentile(times, 95).toFixed(2), "max (ms)": times[times.length - 1].toFixed(2) };
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

function seqScans(node: PlanNode): string[] {
  const here = node["Node Type"] === "Seq Scan" && node["Relation Name"] ? [node["Relation Name"]] : [];
  return [...here, ...(node.Plans ?? []).flatMap(seqScans)];
}

/** EXPLAIN each statement a path runs; report any sequential scan of message_events. */
async function explainPath(db: Db, fn: () => Promise<unknown>): Promise<string> {
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
  for (const s of statements) {
    const plan = await original(`explain (format json) ${s.text}`, s.values as never[]);
    const root = (plan.rows[0] as { "QUERY PLAN": { Plan: PlanNode }[] })["QUERY PLAN"][0].Plan;
    if (seqScans(root).includes("message_events")) seq.push(s.text.slice(0, 60));
  }
  return seq.length ? `SEQ SCAN: ${seq.join("; ")}` : "no seq scan of message_events";
}

async function main() {
  console.log(`bench:views on ${machine()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "postline-bench-views-"));
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: await freePort(), password: "bench", settings: { shared_buffers: "512MB", work_mem: "16MB" } });
  await migrateDatabase(server.url);
  const db = createDb(server.url, { max: 4 });
  try {
    const seeded = await seed(db);
    console.log(`seeded ${seeded.messages.toLocaleString("en")} messages and ${seeded.events.toLocaleString("en")} events in ${seeded.seconds.toFixed(0)} s\n`);
    const [big] = (await db.execute<{ id: string }>(sql`select id from campaigns where recipient_count = ${BIG} limit 1`)).rows;
    const id = big.id;
    const deep = await (async () => {
      let after: string | null = null;
      for (let i = 0; i < 40; i++) after = (await listCampaignRecipients(db, { campaignId: id, after, limit: 500 })).next;
      return after;
    })();
    const [someMessage] = (await db.execute<{ id: string }>(sql`select id from messages where campaign_id = ${id}::uuid and status = 'clicked' limit 1 offset 5000`)).rows;

    const paths: [string, () => Promise<unknown>][] = [
      ["campaign totals (counters)", () => Promise.all([getCampaign(db, id), getCampaignOutcomes(db, id)])],
      [
        "campaign page (totals + chart + first table page)",
        async () => {
          // What the page reads on each render, live refreshes included: the campaign, when its last
          // event came (whether to stay live), then totals, the chart and the first table page.
          const campaign = (await getCampaign(db, id))!;
          await getCampaignLastEventAt(db, id);
          return Promise.all([getCampaignOutcomes(db, id), getCampaignActivity(db, { campaign, live: true, now: new Date() }), listCampaignRecipients(db, { campaignId: id })]);
        },
      ],
      ["table page: all, by address", () => listCampaignRecipients(db, { campaignId: id })],
      ["table page: opened", () => listCampaignRecipients(db, { campaignId: id, filter: "opened" })],
      ["table page: unopened", () => listCampaignRecipients(db, { campaignId: id, filter: "unopened" })],
      ["table page: bounced", () => listCampaignRecipients(db, { campaignId: id, filter: "bounced" })],
      ["table page: latest activity", () => listCampaignRecipients(db, { campaignId: id, sort: "-activity" })],
      ["table page 41 (keyset, 20,000 rows in)", () => listCampaignRecipients(db, { campaignId: id, after: deep })],
      ["table page: search 'r1999'", () => listCampaignRecipients(db, { campaignId: id, search: "r1999" })],
      ["message timeline", () => listMessageEvents(db, someMessage.id)],
    ];
    const rows = [];
    for (const [name, fn] of paths) rows.push({ ...(await measure(name, fn)), plan: await explainPath(db, fn) });
    console.log(table(rows));
  } finally {
    await db.$client.end();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
