import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "@/db";
import { extractPostmarkEvent } from "@/lib/ingest/extract";
import { ingestPostmarkEvent } from "@/lib/ingest/ingest";
import { postmarkEventSchema } from "@/lib/ingest/postmark-payload";
import { migrateDatabase } from "./migrate";
import { createEmptyDatabase, withClient, type EmptyDatabase } from "./testing/empty-database";
import { migrateToBefore } from "./testing/migrations-before";

/**
 * migration 0025 (message_events partitioned by month) on a database populated before it: every
 * event survives (count, ids, keys, fields, raw JSON), each in its month's partition, the triggers
 * on message_events are back, and de-duplication still holds for the events it moved.
 */

const created: EmptyDatabase[] = [];
afterAll(async () => {
  for (const db of created) await db.drop();
});

const MONTHS = ["2019-02-11", "2026-05-03", "2026-09-30", "2026-10-01", "2026-11-15"];
const PER_MONTH = 400;

describe("migration 0025 on a populated database (real PostgreSQL)", () => {
  it("moves every event into its month's partition, raw JSON and keys included, and keeps de-duplicating them", async () => {
    const db = await createEmptyDatabase("event_partitions");
    created.push(db);
    // The functions and triggers as the runner left them: recorded, on the unpartitioned table.
    await migrateToBefore(db.url, "0025_event_partitions");

    // Messages, and events as ingestion stored them: real Postmark payloads (so their keys are the
    // ones a retry would produce), some orphans, over several months of received_at.
    const opens = MONTHS.flatMap((month, m) =>
      Array.from({ length: PER_MONTH }, (_, i) => {
        const pm = `pm-mig-${m}-${i}`;
        const event = postmarkEventSchema.parse({
          RecordType: "Open", MessageID: pm, MessageStream: "broadcast", Metadata: { n: String(i) }, Tag: "t",
          Recipient: `r${m}-${i}@migrate.test`, ReceivedAt: `${month}T10:00:00Z`, FirstOpen: true, UserAgent: `agent ${m}/${i} ✓`,
        });
        return { pm, event, key: extractPostmarkEvent(event).eventKey, receivedAt: `${month}T${String(i % 24).padStart(2, "0")}:00:00Z`, orphan: i % 10 === 0 };
      }),
    );
    await withClient(db.url, async (c) => {
      await c.query(
        `insert into messages (kind, to_email, from_email, subject, message_stream, status, postmark_message_id)
         select 'single', 'r@migrate.test', 'f@migrate.test', 's', 'outbound', 'opened', pm from unnest($1::text[]) pm`,
        [opens.filter((o) => !o.orphan).map((o) => o.pm)],
      );
      await c.query(
        `insert into message_events (event_key, message_id, postmark_message_id, record_type, recipient, occurred_at, raw, details, engagement_class, received_at)
         select o.key, m.id, o.pm, 'Open', o.raw->>'Recipient', (o.raw->>'ReceivedAt')::timestamptz, o.raw, '{"first": true}', 'human', o.received_at
         from jsonb_to_recordset($1::jsonb) as o(key text, pm text, raw jsonb, received_at timestamptz)
         left join messages m on m.postmark_message_id = o.pm`,
        [JSON.stringify(opens.map((o) => ({ key: o.key, pm: o.pm, raw: o.event, received_at: o.receivedAt })))],
      );
    });
    const snapshot = `select e.id, e.event_key, e.message_id, e.postmark_message_id, e.record_type, e.recipient, e.occurred_at, e.source,
                              e.details, e.engagement_class, e.received_at, %RAW% as raw
                       from message_events e %JOIN% order by e.id`;
    const before = await withClient(db.url, async (c) => (await c.query(snapshot.replace("%RAW%", "e.raw").replace("%JOIN%", ""))).rows);
    expect(before).toHaveLength(MONTHS.length * PER_MONTH);

    await migrateDatabase(db.url);

    await withClient(db.url, async (c) => {
      const after = (
        await c.query(snapshot.replace("%RAW%", "r.raw").replace("%JOIN%", "left join message_event_raw r on r.event_id = e.id and r.received_at = e.received_at"))
      ).rows;
      expect(after).toEqual(before);
      const keys = (await c.query<{ event_key: string }>(`select event_key from message_event_keys order by 1`)).rows.map((r) => r.event_key);
      expect(keys).toEqual(before.map((r) => r.event_key).sort());

      // Each month in its partition; nothing in the defaults.
      const placed = (
        await c.query<{ p: string; n: number }>(`select tableoid::regclass::text as p, count(*)::int as n from message_events group by 1 order by 1`)
      ).rows;
      expect(placed).toEqual(MONTHS.map((m) => ({ p: `message_events_${m.slice(0, 7).replace("-", "_")}`, n: PER_MONTH })));
      const rawPlaced = (await c.query<{ p: string }>(`select distinct tableoid::regclass::text as p from message_event_raw order by 1`)).rows.map((r) => r.p);
      expect(rawPlaced).toEqual(MONTHS.map((m) => `message_event_raw_${m.slice(0, 7).replace("-", "_")}`));
      expect(await c.query(`select 1 from message_events_default union all select 1 from message_event_raw_default`)).toMatchObject({ rowCount: 0 });

      // The triggers of db/functions are on the new table (the runner applied them again).
      const triggers = (
        await c.query<{ tgname: string }>(`select tgname from pg_trigger where tgrelid = 'message_events'::regclass and not tgisinternal order by 1`)
      ).rows.map((r) => r.tgname);
      expect(triggers).toEqual(["message_events_deleted", "message_events_erased"]);
      expect((await c.query(`select to_regclass('message_events_unpartitioned') as t`)).rows[0].t).toBeNull();
    });

    // De-duplication after: a retry of a moved event is a duplicate; a new event is stored, with a new id.
    const app = createDb(db.url, { max: 2 });
    try {
      const maxId = Math.max(...before.map((r) => Number(r.id)));
      for (const o of [opens[1], opens[PER_MONTH + 1], opens[opens.length - 1], opens[0]]) {
        expect((await ingestPostmarkEvent(app, o.event)).outcome).toBe("duplicate");
      }
      const fresh = await ingestPostmarkEvent(app, postmarkEventSchema.parse({ ...opens[1].event, ReceivedAt: "2026-11-20T09:00:00Z" }));
      expect(fresh.outcome).toBe("stored");
      expect(fresh.eventId).toBeGreaterThan(maxId);
      expect(await app.$client.query(`select count(*)::int as n from message_events`)).toMatchObject({ rows: [{ n: before.length + 1 }] });
    } finally {
      await app.$client.end();
    }
  });
});
