/**
 * bench:views's data, written straight into PostgreSQL by set-based statements (INSERT … SELECT over
 * generate_series; no row leaves the server): campaigns, one message per recipient with its outcome,
 * the campaign counters and hourly rows, and the events behind each message.
 *
 * Two shapes:
 * - the default (issue 11's): 100 campaigns, one of 200,000 recipients and 99 of 3,500 (546,500
 *   messages), about 1,040,000 events (delivery, first open, first click, bounce);
 * - `--events N` (issue 19): N / 5 messages over 200 campaigns, one with half of them (1,000,000 at
 *   N = 10,000,000), and repeated opens on opened messages so the events come to about N.
 *
 * Loading a large shape drops the secondary indexes of messages and message_events first (those no
 * constraint needs) and builds them again afterwards, with foreign-key triggers off for the load
 * (session_replication_role = replica; the rows are consistent by construction). Building an index
 * once is several times faster than maintaining it row by row.
 */
import type { PoolClient } from "pg";

export interface Shape {
  campaigns: number;
  big: number;
  small: number;
  /** Repeated opens per opened message, on average (0: one Open event per opened message). */
  extraOpens: number;
}

/**
 * The outcome of recipient i (1-based): 3% bounce, then clicked when i % 4 = 0, opened when i % 10 < 6,
 * else delivered. The pattern repeats every 100 recipients.
 */
const bounced = (i: number) => i % 100 < 3;
const clicked = (i: number) => !bounced(i) && i % 4 === 0;
const opened = (i: number) => !bounced(i) && (i % 4 === 0 || i % 10 < 6);

export function shapeFor(events: number | null): Shape {
  if (!events) return { campaigns: 100, big: 200_000, small: 3_500, extraOpens: 0 };
  const messages = Math.round(events / 5);
  const campaigns = 200;
  const big = Math.round(messages / 2);
  const small = Math.round((messages - big) / (campaigns - 1));
  // Events of one message without repeated opens: delivery (unless bounced), open, click, bounce.
  let base = 0;
  let openedCount = 0;
  for (let i = 1; i <= 100; i++) {
    base += 1 + (opened(i) ? 1 : 0) + (clicked(i) ? 1 : 0);
    openedCount += opened(i) ? 1 : 0;
  }
  const extraOpens = Math.max(0, (events / messages - base / 100) / (openedCount / 100));
  return { campaigns, big, small, extraOpens };
}

/**
 * The columns a seeded event is written with, and the expression each one takes from a message `m`
 * and one of its events `e` (kind, at, n: the n-th event of that kind). The one place to change when
 * message_events changes shape (a partitioned table takes the same INSERT; if the raw JSON moves to a
 * table of its own, its insert goes next to this one).
 */
export const EVENT_COLUMNS: Record<string, string> = {
  event_key: "md5(m.id::text || e.kind || e.n)",
  message_id: "m.id",
  postmark_message_id: "m.postmark_message_id",
  record_type: "e.kind",
  recipient: "m.to_email",
  occurred_at: "e.at",
  source: "'webhook'",
  details: "'{}'::jsonb",
};

const LOADED_TABLES = ["messages", "message_events", "message_event_raw"];

export async function seedViews(client: PoolClient, shape: Shape, log: (line: string) => void) {
  const started = performance.now();
  const step = async (label: string, text: string) => {
    const t = performance.now();
    const result = await client.query(text);
    log(`  ${label}: ${((performance.now() - t) / 1000).toFixed(1)} s${result.rowCount ? ` (${result.rowCount.toLocaleString("en")} rows)` : ""}`);
  };
  const { campaigns, big, small, extraOpens } = shape;
  const x = extraOpens.toFixed(6);
  await client.query("set session_replication_role = replica");
  await client.query("set maintenance_work_mem = '1GB'");
  await client.query("set max_parallel_maintenance_workers = 2");
  // Secondary indexes (no constraint behind them) are dropped before the load and built after it.
  const { rows: indexes } = await client.query<{ name: string; def: string }>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
     from pg_index i join pg_class t on t.oid = i.indrelid
     where t.relname = any($1) and t.relnamespace = 'public'::regnamespace
       and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
       and not exists (select 1 from pg_inherits h where h.inhrelid = i.indexrelid)`,
    [LOADED_TABLES],
  );
  for (const index of indexes) await client.query(`drop index ${index.name}`);
  log(`  dropped ${indexes.length} secondary indexes of ${LOADED_TABLES.join(" and ")} for the load`);

  await step(
    "campaigns",
    `insert into campaigns (id, name, from_email, subject, html, status, recipient_count, sent_count, started_at, completed_at)
     select gen_random_uuid(), 'Campaign ' || g, 'news@bench.test', 'Subject ' || g, '<p>hi</p>', 'sent',
            case when g = 0 then ${big} else ${small} end, case when g = 0 then ${big} else ${small} end, now() - interval '2 days', now() - interval '2 days'
     from generate_series(0, ${campaigns - 1}) g`,
  );
  // One message per recipient, its outcome decided by the row number (see `bounced` and co. above);
  // who opened and clicked (issue 15): half of the opens a person's, the rest Apple's prefetch only; a
  // click is a person's one time in three, else a link scanner's (a person's click implies an open).
  // Opened messages get `extra` repeated opens (37 minutes apart), x on average.
  await step(
    "messages",
    `with c as (select id, recipient_count, row_number() over (order by name) as n from campaigns)
     insert into messages (kind, campaign_id, to_email, from_email, subject, message_stream, status, postmark_message_id, sent_at, delivered_at,
                           first_opened_at, last_opened_at, open_count, first_clicked_at, last_clicked_at, click_count, bounced_at, last_event_at,
                           open_classes, click_classes, first_human_opened_at, first_human_clicked_at)
     select 'campaign', c.id, 'r' || i || '.c' || c.n || '@bench.test', 'news@bench.test', 's', 'broadcast',
       (case when b then 'bounced' when k then 'clicked' when o then 'opened' else 'delivered' end)::message_status,
       gen_random_uuid()::text, t, case when b then null else t + interval '1 minute' end,
       case when o then t + interval '1 hour' end,
       case when o then t + interval '1 hour' + extra * interval '37 minutes' end,
       case when o then 1 + extra else 0 end,
       case when k then t + interval '2 hours' end,
       case when k then t + interval '2 hours' end,
       case when k then 1 else 0 end,
       case when b then t + interval '1 minute' end,
       greatest(t + interval '2 hours', case when o then t + interval '1 hour' + extra * interval '37 minutes' end),
       case when not o then '{}'::text[] when h % 2 = 0 then '{human}' else '{apple_mpp}' end,
       case when not k then '{}'::text[] when h % 3 = 0 then '{human}' else '{link_scanner}' end,
       case when o and h % 2 = 0 then t + interval '1 hour' when k and h % 3 = 0 then t + interval '2 hours' end,
       case when k and h % 3 = 0 then t + interval '2 hours' end
     from c, generate_series(1, c.recipient_count::int) i,
     lateral (select now() - interval '2 days' + (i % 1440) * interval '1 minute' as t, i % 100 < 3 as b,
                     i % 100 >= 3 and i % 4 = 0 as k, i % 100 >= 3 and (i % 4 = 0 or i % 10 < 6) as o,
                     abs(hashtext(c.n || '.' || i)) as h,
                     (floor(${x}::float8 * (i + 1)) - floor(${x}::float8 * i))::int as extra) x`,
  );
  const columns = Object.keys(EVENT_COLUMNS);
  await step(
    "message_events",
    // As ingestion stores an event: its row, its raw JSON (message_event_raw, the same month's
    // partition) and its key (message_event_keys, the de-duplication).
    `with ev as (
       insert into message_events (${columns.join(", ")})
       select ${columns.map((c) => EVENT_COLUMNS[c]).join(", ")}
       from messages m, lateral (
         select 'Delivery' as kind, m.delivered_at as at, 0 as n
         union all select 'Open', m.first_opened_at + k * interval '37 minutes', k from generate_series(0, m.open_count - 1) k
         union all select 'Click', m.first_clicked_at, 0
         union all select 'Bounce', m.bounced_at, 0) e
       where e.at is not null
       returning id, received_at, event_key, record_type, postmark_message_id, recipient
     ),
     raw as (
       -- What Postmark posts, abridged to the fields that identify the event (≈ 110 bytes).
       insert into message_event_raw (event_id, received_at, raw)
       select id, received_at, jsonb_build_object('RecordType', record_type, 'MessageID', postmark_message_id, 'Recipient', recipient) from ev
     )
     insert into message_event_keys (event_key) select event_key from ev`,
  );
  await step(
    "campaign_event_counters",
    `insert into campaign_event_counters (campaign_id, shard, delivered, opened, clicked, bounced, opened_human, clicked_human, opened_machine_only, opened_apple_mpp, clicked_link_scanner)
     select campaign_id, 0, count(delivered_at), count(first_opened_at), count(first_clicked_at), count(bounced_at),
            count(first_human_opened_at), count(first_human_clicked_at), count(*) filter (where first_opened_at is not null and first_human_opened_at is null),
            count(*) filter (where 'apple_mpp' = any (open_classes)), count(*) filter (where 'link_scanner' = any (click_classes))
     from messages group by campaign_id`,
  );
  await step(
    "campaign_hourly_activity",
    `insert into campaign_hourly_activity (campaign_id, hour, opens, clicks)
     select campaign_id, date_trunc('hour', coalesce(first_clicked_at, first_opened_at)), count(first_opened_at), count(first_clicked_at)
     from messages where first_opened_at is not null group by 1, 2`,
  );
  await client.query("set session_replication_role = origin");
  // A partitioned table's index is defined "ON ONLY" the parent: built as it is, no partition would get one.
  for (const index of indexes) await step(`index ${index.name}`, index.def.replace(" ON ONLY ", " ON "));
  await step("vacuum analyze", "vacuum analyze");
  return { seconds: (performance.now() - started) / 1000 };
}

/** What the database holds (a seeded one, or one reused with --data). */
export async function describeViews(client: PoolClient) {
  const { rows } = await client.query<{ campaigns: number; messages: number; events: number; big: number; bytes: string }>(
    `select (select count(*)::int from campaigns) as campaigns, (select count(*)::int from messages) as messages,
            (select count(*)::int from message_events) as events, (select max(recipient_count)::int from campaigns) as big,
            pg_size_pretty(pg_database_size(current_database())) as bytes`,
  );
  return rows[0];
}
