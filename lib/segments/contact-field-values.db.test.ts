import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts } from "@/db/schema";
import { createContact, createContactsBulk, updateContact } from "@/lib/contacts/contacts";
import { eraseContact } from "@/lib/contacts/erase";
import { importContactsCsv } from "@/lib/contacts/import-csv";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { DATE_PATTERN, NUMBER_PATTERN, segmentContactsWhere } from "./compile";
import type { SegmentCondition } from "./definition";
import { countSegment } from "./segments";

/**
 * contact_field_values (db/schema/contacts.ts) is derived from contacts.fields by triggers: after
 * every path that writes fields (a new contact, a bulk insert, an import of new and known addresses,
 * an edit, an erasure) it must equal the recompute from contacts.fields, and the number and date
 * conditions it counts must equal the predicate over the JSON.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const now = new Date("2026-03-10T12:00:00Z");

/** Rows that differ between contact_field_values and a recompute from contacts.fields (none when kept right). */
async function drift() {
  const rows = await t.db.execute<Record<string, unknown>>(sql`
    with truth as (
      select * from (
        select c.id as contact_id, f.key as name,
               case when length(f.value) <= 60 and f.value ~ ${NUMBER_PATTERN}::text then f.value::numeric end as num,
               case when f.value ~ ${DATE_PATTERN}::text then left(f.value, 10) end as day
        from contacts c, jsonb_each_text(c.fields) f) x
      where num is not null or day is not null)
    select coalesce(t.contact_id, v.contact_id) as contact_id, coalesce(t.name, v.name) as name, t.num as truth_num, v.num, t.day as truth_day, v.day
    from truth t full join contact_field_values v on v.contact_id = t.contact_id and v.name = t.name
    where (t.num, t.day) is distinct from (v.num, v.day)`);
  return rows.rows;
}

/** countSegment (from contact_field_values) against the predicate over contacts.fields. */
async function agrees(condition: SegmentCondition) {
  const definition = { match: "all" as const, conditions: [condition] };
  const [{ n }] = (await t.db.execute<{ n: number }>(sql`select count(*)::int as n from contacts c where ${segmentContactsWhere(definition, { now })}`)).rows;
  return { count: await countSegment(t.db, definition, now), predicate: n };
}

describe("contact_field_values: kept by triggers on contacts (real PostgreSQL)", () => {
  it("follows every write of fields: create, bulk insert, import (new and known addresses), edit, erasure", async () => {
    const a = await createContact(t.db, { email: "a@fields.test", fields: { score: " 42 ", renews: "2026-03-01T10:00:00Z", city: "Berlin" } });
    await createContactsBulk(t.db, [
      { email: "b@fields.test", fields: { score: "n/a", renews: "2026-02-30", city: "" } },
      { email: "c@fields.test", fields: { score: "1e2", renews: "soon" } },
    ]);
    expect(await drift()).toEqual([]);
    const csv = (rows: string[]) => new TextEncoder().encode(["email,score,city", ...rows].join("\n"));
    // A known address (a's score and city change) and a new one; then the same file again (no change).
    await importContactsCsv(t.db, csv(["a@fields.test,7,Oslo", "d@fields.test,-3.5,Rome"]));
    await importContactsCsv(t.db, csv(["a@fields.test,7,Oslo", "d@fields.test,-3.5,Rome"]));
    expect(await drift()).toEqual([]);
    const [row] = (await t.db.execute<{ num: string }>(sql`select num::text from contact_field_values where contact_id = ${a.id}::uuid and name = 'score'`)).rows;
    expect(row).toEqual({ num: "7" });
    // An edit replaces the whole set: a key removed loses its row, a value emptied too; text has none.
    await updateContact(t.db, { id: a.id, patch: { fields: { score: "", plan: "pro", renews: "2026-01-02" } }, actor: "test" }, now);
    expect(await drift()).toEqual([]);
    expect((await t.db.execute<{ name: string }>(sql`select name from contact_field_values where contact_id = ${a.id}::uuid order by name`)).rows).toEqual([{ name: "renews" }]);
    // An update that does not touch fields leaves the rows alone (and still right).
    await t.db.update(contacts).set({ name: "Renamed" });
    expect(await drift()).toEqual([]);
    await eraseContact(t.db, { contactId: a.id, actor: "test" }, now);
    expect((await t.db.execute<{ n: number }>(sql`select count(*)::int as n from contact_field_values where contact_id = ${a.id}::uuid`)).rows[0].n).toBe(0);
    expect(await drift()).toEqual([]);

    for (const condition of [
      { type: "field", key: "score", op: "gt", value: 0 },
      { type: "field", key: "score", op: "lte", value: 100 },
      { type: "field", key: "renews", op: "before", value: "2026-03-01" },
      { type: "field", key: "renews", op: "within_last_days", days: 30 },
    ] as SegmentCondition[]) {
      const { count, predicate } = await agrees(condition);
      expect(count, JSON.stringify(condition)).toBe(predicate);
    }
  });
});
