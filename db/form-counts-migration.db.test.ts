import { afterAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "./migrate";
import { createEmptyDatabase, withClient, type EmptyDatabase } from "./testing/empty-database";
import { migrateToBefore } from "./testing/migrations-before";

/** migration 0028 (a form's counts in shards) on a database with forms that have counts. */

const created: EmptyDatabase[] = [];
afterAll(async () => {
  for (const db of created) await db.drop();
});

describe("migration 0028 on a populated database (real PostgreSQL)", () => {
  it("carries every form's counts into its shards, and signups after it add to them", async () => {
    const db = await createEmptyDatabase("form_counts");
    created.push(db);
    await migrateToBefore(db.url, "0028_form_counts");
    const form = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
    await withClient(db.url, (c) =>
      c.query(
        `insert into forms (id, name, fields, heading, confirmation_subject, confirmation_html, confirmation_text, thank_you_message, confirmed_message, submissions, confirmed, refused_as_bot)
         select id, 'f', '[]', 'h', 's', 'h', 't', 'ty', 'c', s, cf, b
         from (values ($1::uuid, 120, 80, 7), ($2::uuid, 0, 0, 0), ($3::uuid, 0, 0, 3)) v(id, s, cf, b)`,
        [form(1), form(2), form(3)],
      ),
    );

    await migrateDatabase(db.url);

    await withClient(db.url, async (c) => {
      const totals = await c.query(
        `select f.id, coalesce(sum(fc.submissions), 0)::int as submissions, coalesce(sum(fc.confirmed), 0)::int as confirmed,
                coalesce(sum(fc.refused_as_bot), 0)::int as bots
         from forms f left join form_counts fc on fc.form_id = f.id group by f.id order by f.id`,
      );
      expect(totals.rows).toEqual([
        { id: form(1), submissions: 120, confirmed: 80, bots: 7 },
        { id: form(2), submissions: 0, confirmed: 0, bots: 0 },
        { id: form(3), submissions: 0, confirmed: 0, bots: 3 },
      ]);
      // A form without counts gets no row; the form's own columns are gone.
      expect((await c.query(`select count(*)::int as n from form_counts where form_id = $1`, [form(2)])).rows[0].n).toBe(0);
      const columns = await c.query(`select column_name from information_schema.columns where table_name = 'forms' and column_name in ('submissions', 'confirmed', 'refused_as_bot')`);
      expect(columns.rows).toEqual([]);
      // A signup written by the function after the migration adds to the same totals.
      const answer = await c.query(`select postline_form_signup($1::jsonb, null) as r`, [
        JSON.stringify({ form_id: form(1), signup_id: "00000000-0000-4000-8000-0000000000a1", email: "new@migrate.test", submitted_at: "2026-11-26T10:00:00Z", submitted_ip: "192.0.2.1", submitted_user_agent: "ua", shown_text: "t", values: {} }),
      ]);
      expect(answer.rows[0].r).toMatchObject({ outcome: "written" });
      const after = await c.query(`select sum(submissions)::int as n from form_counts where form_id = $1`, [form(1)]);
      expect(after.rows[0].n).toBe(121);
    });
  });
});
