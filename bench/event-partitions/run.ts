/**
 * bench:event-partitions — how long migration 0025 (message_events partitioned by month) takes on a
 * populated table, as it runs on deploy: a database migrated to 0021, N events (default 1,000,000,
 * over four months of received_at, raw JSON of about 700 bytes each as Postmark sends), then
 * `migrateDatabase` timed. Its own PostgreSQL (durable settings, as in production).
 *
 *   npm run bench:event-partitions -- --events 1000000 --port 5722 --data /work/bench-data/x
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { migrateDatabase, migrationsFolder } from "@/db/migrate";
import { applyRepeatableSql } from "@/db/repeatable-sql";
import { startEmbeddedPostgres } from "@/lib/local/launcher/postgres";
import { machine } from "../support";

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const EVENTS = Number(arg("--events") ?? 1_000_000);
const PORT = Number(arg("--port") ?? 5488);
const DATA = path.resolve(arg("--data") ?? ".data/bench-event-partitions");

async function main() {
  fs.rmSync(DATA, { recursive: true, force: true });
  const server = await startEmbeddedPostgres({ dataDir: DATA, port: PORT, password: "bench", database: "postline" });
  const url = server.adminUrl.replace(/\/[^/]*$/, "/postline");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "postline-migrations-"));
    fs.cpSync(migrationsFolder, folder, { recursive: true });
    const journalPath = path.join(folder, "meta", "_journal.json");
    const journal = JSON.parse(fs.readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
    journal.entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag === "0025_event_partitions"));
    fs.writeFileSync(journalPath, JSON.stringify(journal));
    await migrate(drizzle({ client }), { migrationsFolder: folder });
    await applyRepeatableSql(client);
    fs.rmSync(folder, { recursive: true, force: true });

    let t = Date.now();
    const messages = Math.ceil(EVENTS / 3);
    await client.query(
      `insert into messages (kind, to_email, from_email, subject, message_stream, status, postmark_message_id)
       select 'single', 'r' || i || '@bench.test', 'f@bench.test', 's', 'outbound', 'opened', 'pm-' || i from generate_series(1, $1) i`,
      [messages],
    );
    await client.query(
      `insert into message_events (event_key, message_id, postmark_message_id, record_type, recipient, occurred_at, raw, details, received_at)
       select 'Open:pm-' || (i % $2) || ':' || i, m.id, m.postmark_message_id, 'Open', m.to_email, at,
              jsonb_build_object('RecordType', 'Open', 'MessageStream', 'broadcast', 'Metadata', jsonb_build_object('campaign', 'bench'),
                'FirstOpen', true, 'Client', jsonb_build_object('Name', 'Chrome 35.0.1916.153', 'Company', 'Google', 'Family', 'Chrome'),
                'OS', jsonb_build_object('Name', 'OS X 10.7 Lion', 'Company', 'Apple Computer, Inc.', 'Family', 'OS X 10'),
                'Platform', 'WebMail', 'UserAgent', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.153 Safari/537.36',
                'ReadSeconds', 5, 'Geo', jsonb_build_object('CountryISOCode', 'RS', 'Country', 'Serbia', 'RegionISOCode', 'VO', 'Region', 'Autonomna Pokrajina Vojvodina',
                  'City', 'Novi Sad', 'Zip', '21000', 'Coords', '45.2517,19.8369', 'IP', '188.2.95.4'),
                'MessageID', m.postmark_message_id, 'ReceivedAt', at, 'Tag', 'welcome-email', 'Recipient', m.to_email),
              '{"first": true}', at
       from generate_series(1, $1) i
       cross join lateral (select now() - make_interval(secs => (i::double precision / $1) * 120 * 86400) as at) a
       join messages m on m.postmark_message_id = 'pm-' || (i % $2 + 1)`,
      [EVENTS, messages],
    );
    await client.query("vacuum analyze message_events");
    const { rows: [size] } = await client.query<{ size: string }>(`select pg_size_pretty(pg_total_relation_size('message_events')) as size`);
    console.log(`seeded ${EVENTS.toLocaleString("en")} events (${size.size}) in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    t = Date.now();
    await migrateDatabase(url);
    const took = (Date.now() - t) / 1000;
    const { rows } = await client.query<{ events: number; raws: number; keys: number; parts: number }>(
      `select (select count(*)::int from message_events) as events, (select count(*)::int from message_event_raw) as raws,
              (select count(*)::int from message_event_keys) as keys,
              (select count(*)::int from pg_inherits where inhparent = 'message_events'::regclass) as parts`,
    );
    console.log(`migration 0025: ${took.toFixed(1)} s for ${EVENTS.toLocaleString("en")} events; after: ${JSON.stringify(rows[0])}`);
    // A message's timeline after the migration: one index lookup per month, raw JSON joined by its partition.
    const timeline = `select e.*, r.raw from message_events e left join message_event_raw r on r.event_id = e.id and r.received_at = e.received_at
                      where e.message_id = (select id from messages where postmark_message_id = 'pm-777') order by e.occurred_at, e.id`;
    const plan = await client.query<{ "QUERY PLAN": string }>(`explain (analyze, costs off, timing off, summary on) ${timeline}`);
    console.log(`timeline plan:\n${plan.rows.map((r) => "  " + r["QUERY PLAN"]).join("\n")}`);
    console.log(machine());
  } finally {
    await client.end();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
