import { afterAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "./migrate";
import { createEmptyDatabase, withClient, type EmptyDatabase } from "./testing/empty-database";
import { migrateToBefore } from "./testing/migrations-before";

/**
 * migration 0029 (claims rewrite rows in place) on a database with batches in flight: their messages,
 * `sending` before, are `queued` with their batch after, and listed on the batch, so recovery still finds them.
 */

const created: EmptyDatabase[] = [];
afterAll(async () => {
  for (const db of created) await db.drop();
});

describe("migration 0029 on a database with batches in flight (real PostgreSQL)", () => {
  it("keeps every in-flight message in its batch, listed on it, and leaves finished batches and sent messages alone", async () => {
    const db = await createEmptyDatabase("claim_in_place");
    created.push(db);
    await migrateToBefore(db.url, "0029_claim_in_place");
    await withClient(db.url, (c) =>
      c.query(`
        insert into send_batches (id, status, message_count, check_after) values
          ('00000000-0000-4000-8000-0000000000b1', 'in_flight', 3, now()),
          ('00000000-0000-4000-8000-0000000000b2', 'uncertain', 1, now()),
          ('00000000-0000-4000-8000-0000000000b3', 'done', 2, now());
        insert into messages (id, kind, to_email, from_email, subject, message_stream, status, batch_id, postmark_message_id)
        select ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'single', 'r' || n || '@m.test', 'f@m.test', 's', 'outbound', st::message_status, b::uuid, pm
        from (values
          (1, 'sending', '00000000-0000-4000-8000-0000000000b1', null),
          (2, 'sending', '00000000-0000-4000-8000-0000000000b1', null),
          (3, 'sending', '00000000-0000-4000-8000-0000000000b1', null),
          (4, 'sending', '00000000-0000-4000-8000-0000000000b2', null),
          (5, 'sent', '00000000-0000-4000-8000-0000000000b3', 'pm-5'),
          (6, 'sent', '00000000-0000-4000-8000-0000000000b3', 'pm-6'),
          (7, 'queued', null, null)) v(n, st, b, pm)`),
    );

    await migrateDatabase(db.url);

    await withClient(db.url, async (c) => {
      const batches = await c.query(`select id, status, (select array_agg(x order by x) from unnest(message_ids) x)::text[] as ids from send_batches order by id`);
      const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
      expect(batches.rows).toEqual([
        { id: "00000000-0000-4000-8000-0000000000b1", status: "in_flight", ids: [id(1), id(2), id(3)] },
        { id: "00000000-0000-4000-8000-0000000000b2", status: "uncertain", ids: [id(4)] },
        { id: "00000000-0000-4000-8000-0000000000b3", status: "done", ids: null },
      ]);
      const statuses = await c.query(`select status::text, batch_id::text as batch, count(*)::int as n from messages group by 1, 2 order by 1, 2`);
      expect(statuses.rows).toEqual([
        { status: "queued", batch: "00000000-0000-4000-8000-0000000000b1", n: 3 },
        { status: "queued", batch: "00000000-0000-4000-8000-0000000000b2", n: 1 },
        { status: "queued", batch: null, n: 1 },
        { status: "sent", batch: "00000000-0000-4000-8000-0000000000b3", n: 2 },
      ]);
      expect((await c.query(`select reloptions from pg_class where relname = 'messages'`)).rows[0].reloptions).toEqual(["fillfactor=85"]);
      expect((await c.query(`select count(*)::int as n from pg_indexes where indexname = 'messages_batch_idx'`)).rows[0].n).toBe(0);
    });
  });
});
