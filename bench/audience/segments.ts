/**
 * bench:audience's segment filters: each kind the builder offers, counted the way the builder and the
 * campaign page count (countSegment: one statement), p50/p95 over several runs, with its plan.
 */
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { countSegmentSql } from "@/lib/segments/count";
import type { SegmentDefinition } from "@/lib/segments/definition";
import { countSegment } from "@/lib/segments/segments";
import { percentile } from "../support";

/** Forms and confirmed signups for the `form` condition (3 forms; 6% of contacts signed up, 5% confirmed), once. */
export async function seedForms(db: Db) {
  const [{ n }] = (await db.execute<{ n: number }>(sql`select count(*)::int as n from forms`)).rows;
  if (n) return;
  await db.execute(sql`
    insert into forms (name, fields, heading, confirmation_subject, confirmation_html, confirmation_text, thank_you_message, confirmed_message)
    select 'Form ' || g, '[]'::jsonb, 'Subscribe', 'Confirm', '<p>{{ confirm_url }}</p>', '{{ confirm_url }}', 'Thanks', 'Confirmed'
    from generate_series(0, 2) g`);
  await db.execute(sql`
    with c as (select id, created_at, row_number() over () as n from contacts), f as (select id, row_number() over (order by name) - 1 as k from forms)
    insert into form_signups (form_id, contact_id, submitted_at, submitted_ip, shown_text, values, expires_at, confirmed_at)
    select f.id, c.id, c.created_at, '198.51.100.1', 'Subscribe', '{}'::jsonb, c.created_at + interval '2 days',
           case when c.n % 100 < 5 then c.created_at + interval '1 hour' end
    from c join f on f.k = c.n % 3 where c.n % 100 < 6`);
  await db.execute(sql`analyze form_signups`);
}

async function ids(db: Db, table: "lists" | "tags" | "forms", names: string[]): Promise<string[]> {
  const rows = await db.execute<{ id: string; name: string }>(sql`select id, name from ${sql.identifier(table)} where name = any(${`{${names.join(",")}}`}::text[])`);
  return names.map((name) => rows.rows.find((r) => r.name === name)!.id);
}

export async function segmentCases(db: Db): Promise<[string, SegmentDefinition][]> {
  const [list3] = await ids(db, "lists", ["List 3"]);
  const [tag5, tag2, tag14] = await ids(db, "tags", ["tag-5", "tag-2", "tag-14"]);
  const [form1] = await ids(db, "forms", ["Form 1"]);
  const all = (...conditions: SegmentDefinition["conditions"]): SegmentDefinition => ({ match: "all", conditions });
  return [
    ["in a list", all({ type: "lists", op: "any", list_ids: [list3] })],
    ["has a tag", all({ type: "tags", op: "any", tag_ids: [tag5] })],
    ["has all of two tags", all({ type: "tags", op: "all", tag_ids: [tag2, tag14] })],
    ["has none of a tag", all({ type: "tags", op: "none", tag_ids: [tag5] })],
    ["field equals (city)", all({ type: "field", key: "city", op: "equals", value: "City 7" })],
    ["field contains (plan)", all({ type: "field", key: "plan", op: "contains", value: "ea" })],
    ["field is set (city)", all({ type: "field", key: "city", op: "is_set" })],
    ["field number > 900 (score)", all({ type: "field", key: "score", op: "gt", value: 900 })],
    ["field date after (signup)", all({ type: "field", key: "signup", op: "after", value: "2026-06-01" })],
    ["status is subscribed", all({ type: "status", op: "is", values: ["subscribed"] })],
    ["signed up in the last 30 days", all({ type: "created", op: "within_last_days", days: 30 })],
    ["signed up between two dates", all({ type: "created", op: "between", from: "2025-03-01", to: "2025-04-30" })],
    ["confirmed through a form", all({ type: "form", op: "any", form_ids: [form1] })],
    ["opened in the last 30 days", all({ type: "engagement", op: "opened_within_days", days: 30 })],
    ["clicked in the last 30 days", all({ type: "engagement", op: "clicked_within_days", days: 30 })],
    ["not opened in the last 90 days", all({ type: "engagement", op: "not_opened_within_days", days: 90 })],
    ["never opened", all({ type: "engagement", op: "never_opened" })],
    [
      "tag and city and subscribed",
      all({ type: "tags", op: "any", tag_ids: [tag5] }, { type: "field", key: "city", op: "equals", value: "City 5" }, { type: "status", op: "is", values: ["subscribed"] }),
    ],
    ["opened in 30 days or signed up in 7", { match: "any", conditions: [{ type: "engagement", op: "opened_within_days", days: 30 }, { type: "created", op: "within_last_days", days: 7 }] }],
  ];
}

export async function measureSegments(db: Db, iterations: number, { plans }: { plans: boolean }) {
  const now = new Date();
  const rows: Record<string, string | number>[] = [];
  for (const [label, definition] of await segmentCases(db)) {
    let count = 0;
    for (let i = 0; i < 2; i++) count = await countSegment(db, definition, now); // warm
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t = performance.now();
      await countSegment(db, definition, now);
      times.push(performance.now() - t);
    }
    rows.push({ filter: label, contacts: count.toLocaleString("en"), "p50 (ms)": percentile(times, 50).toFixed(0), "p95 (ms)": percentile(times, 95).toFixed(0) });
    if (plans) {
      const plan = await db.execute<{ "QUERY PLAN": string }>(sql`explain (costs off) ${countSegmentSql(definition, { now })}`);
      console.log(`\n${label}: ${count.toLocaleString("en")} contacts\n${plan.rows.map((r) => "  " + r["QUERY PLAN"]).join("\n")}`);
    }
  }
  return rows;
}
