/**
 * The months of message_events and message_event_raw (migration 0025; db/schema/messages.ts): both are
 * partitioned by month of received_at (UTC), with a default partition each for anything outside the
 * months created, so no event is ever refused for its time.
 *
 * `maintainEventPartitions` runs at server start (lib/app/startup.ts) and before each reconciliation
 * (lib/jobs/reconcile.ts, every 5 minutes); it is cheap when there is nothing to do (one catalog query)
 * and safe from any number of instances at once (a transaction-level advisory lock):
 * - creates this month and the next `monthsAhead` of both tables. A month whose rows already went to
 *   the default partition (no instance ran for months) gets them moved in before it is attached;
 * - drops the raw JSON of every month that ended more than `rawRetentionDays` ago: DETACH PARTITION +
 *   DROP TABLE of message_event_raw's month, never a row-by-row delete. message_events keeps its
 *   months (extracted fields and statuses are kept forever). Raw JSON is thus kept between
 *   `rawRetentionDays` and that plus a month.
 *
 * DDL on a partitioned table briefly locks it: a lock_timeout keeps a long reader from making ingestion
 * queue behind this; the next run tries again.
 */
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db";

export const EVENT_TABLES = ["message_events", "message_event_raw"] as const;

const PARTITIONS_LOCK_ID = 7_301_019;

export interface PartitionOptions {
  now: Date;
  /** Raw JSON older than this is dropped, a month at a time (RAW_EVENT_RETENTION_DAYS, default 90). */
  rawRetentionDays: number;
  /** Months created beyond the current one (default 2). */
  monthsAhead?: number;
}

export interface PartitionChanges {
  /** Partitions created, by name. */
  created: string[];
  /** Rows moved out of a default partition into a month created after they arrived. */
  movedFromDefault: number;
  /** Raw partitions detached and dropped. */
  droppedRaw: string[];
}

/** The first instant of the month `offset` months after `at`'s, in UTC. */
export function monthStart(at: Date, offset = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

export function partitionName(table: (typeof EVENT_TABLES)[number], month: Date): string {
  return `${table}_${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, "0")}`;
}

export async function maintainEventPartitions(db: Db, options: PartitionOptions): Promise<PartitionChanges> {
  const changes: PartitionChanges = { created: [], movedFromDefault: 0, droppedRaw: [] };
  const months = Array.from({ length: (options.monthsAhead ?? 2) + 1 }, (_, k) => monthStart(options.now, k));
  const wanted = EVENT_TABLES.flatMap((table) => months.map((month) => ({ table, month, name: partitionName(table, month) })));
  const rawCutoff = new Date(options.now.getTime() - options.rawRetentionDays * 86_400_000);

  const missing = async (q: DbOrTx) => {
    const names = wanted.map((w) => w.name);
    const { rows } = await q.execute<{ name: string }>(sql`select n as name from unnest(${`{${names.join(",")}}`}::text[]) n where to_regclass(n) is null`);
    return new Set(rows.map((r) => r.name));
  };
  const expired = async (q: DbOrTx) =>
    (
      await q.execute<{ name: string }>(sql`
        select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'message_event_raw'::regclass
          and (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO [(]''([^'']+)''[)]'))[1]::timestamptz <= ${rawCutoff.toISOString()}::timestamptz
        order by 1`)
    ).rows.map((r) => r.name);

  // The usual case: nothing to do, no lock taken.
  if ((await missing(db)).size === 0 && (await expired(db)).length === 0) return changes;

  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${PARTITIONS_LOCK_ID})`);
    await tx.execute(sql`set local lock_timeout = '2s'`);
    // Rows moved out of a default partition are not deleted events: the trigger message_events_deleted
    // keeps their keys and raw JSON (db/functions/postline_message_events_deleted.sql).
    await tx.execute(sql`set local postline.moving_events = 'on'`);
    const absent = await missing(tx);
    for (const w of wanted.filter((w) => absent.has(w.name))) {
      const from = w.month.toISOString();
      const to = monthStart(w.month, 1).toISOString();
      const table = sql.identifier(w.table);
      const part = sql.identifier(w.name);
      const fallback = sql.identifier(`${w.table}_default`);
      await tx.execute(sql`create table ${part} (like ${table} including defaults)`);
      const moved = await tx.execute(sql`
        with moved as (delete from ${fallback} where received_at >= ${from}::timestamptz and received_at < ${to}::timestamptz returning *)
        insert into ${part} select * from moved`);
      changes.movedFromDefault += moved.rowCount ?? 0;
      await tx.execute(sql`alter table ${table} attach partition ${part} for values from (${sql.raw(`'${from}'`)}) to (${sql.raw(`'${to}'`)})`);
      changes.created.push(w.name);
    }
    for (const name of await expired(tx)) {
      await tx.execute(sql`alter table message_event_raw detach partition ${sql.identifier(name)}`);
      await tx.execute(sql`drop table ${sql.identifier(name)}`);
      changes.droppedRaw.push(name);
    }
  });
  return changes;
}
