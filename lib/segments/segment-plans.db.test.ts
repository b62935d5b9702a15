import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { countSegmentSql } from "./count";
import type { SegmentDefinition } from "./definition";

/**
 * The plans PostgreSQL chooses for segment counts, printed, on a seed large enough for the planner to
 * prefer indexes (SEGMENT_PLAN_CONTACTS contacts, default 20,000; three campaign messages each). The
 * assertions are on plan shape, never on time: engagement conditions read the human-engagement
 * indexes, never a scan of every message; form conditions read the chosen forms' signups. `SEGMENT_PLAN_CONTACTS=300000 npx vitest run
 * lib/segments/segment-plans.db.test.ts` prints the plans at a few hundred thousand contacts.
 */
const N = Number(process.env.SEGMENT_PLAN_CONTACTS ?? 20_000);
const now = new Date("2025-06-15T12:00:00Z");

let t: TestDatabase;
let tagIds: string[] = [];
let listIds: string[] = [];
let formIds: string[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
  const db = t.db;
  listIds = (await db.execute<{ id: string }>(sql`insert into lists (name) select 'List ' || g from generate_series(1, 10) g returning id`)).rows.map((r) => r.id);
  tagIds = (await db.execute<{ id: string }>(sql`insert into tags (name) select 'Tag ' || g from generate_series(1, 20) g returning id`)).rows.map((r) => r.id);
  await db.execute(sql`
    insert into contacts (email, fields, status, created_at)
    select 'p' || g || '@plans.test',
           jsonb_build_object('city', 'City ' || (g % 50), 'age', (g % 90)::text, 'plan', case when g % 3 = 0 then 'pro' else '' end, 'renews', to_char(date '2025-01-01' + (g % 365), 'YYYY-MM-DD')),
           (case when g % 20 = 0 then 'unsubscribed' when g % 97 = 0 then 'bounced' else 'subscribed' end)::contact_status,
           ${now.toISOString()}::timestamptz - (g % 400) * interval '1 day'
    from generate_series(1, ${N}) g`);
  await db.execute(sql`
    insert into list_memberships (list_id, contact_id)
    select l.id, c.id from contacts c join lateral (select id from lists order by id offset (abs(hashtext(c.id::text)) % 10) limit 1) l on true`);
  await db.execute(sql`
    insert into contact_tags (tag_id, contact_id)
    select t.id, c.id from contacts c join lateral (select id from tags order by id offset (abs(hashtext(c.email)) % 20) limit 2) t on true`);
  const campaigns = (await db.execute<{ id: string }>(sql`insert into campaigns (name, from_email, subject, html, status) select 'C' || g, 'f@x.test', 's', 'h', 'sent' from generate_series(1, 10) g returning id`)).rows.map((r) => r.id);
  for (const [i, campaignId] of campaigns.slice(0, 3).entries()) {
    // Each campaign went to everyone 60 days apart; about 20% opened (human), a quarter of those clicked.
    await db.execute(sql`
      insert into messages (kind, campaign_id, contact_id, to_email, from_email, subject, message_stream, status, sent_at, first_human_opened_at, first_human_clicked_at)
      select 'campaign', ${campaignId}::uuid, c.id, c.email, 'f@x.test', 's', 'broadcast', 'delivered',
             ${now.toISOString()}::timestamptz - ${i * 60 + 1} * interval '1 day',
             case when h % 5 = 0 then ${now.toISOString()}::timestamptz - ${i * 60} * interval '1 day' + (h % 7) * interval '1 hour' end,
             case when h % 20 = 0 then ${now.toISOString()}::timestamptz - ${i * 60} * interval '1 day' + (h % 7) * interval '1 hour' end
      from (select c.*, abs(hashtext(c.email || ${campaignId})) as h from contacts c) c`);
  }
  // Signup forms: about 1.2 signups per contact over 8 forms (one archived), a sixth never confirmed.
  formIds = (await db.execute<{ id: string }>(sql`
    insert into forms (name, fields, heading, confirmation_subject, confirmation_html, confirmation_text, thank_you_message, confirmed_message, archived_at)
    select 'Form ' || g, '[]'::jsonb, 'Join', 'Confirm', '{{ confirm_url }}', '{{ confirm_url }}', 'Thanks', 'Confirmed', case when g = 8 then now() end
    from generate_series(1, 8) g returning id`)).rows.map((r) => r.id);
  await db.execute(sql`
    insert into form_signups (form_id, contact_id, submitted_at, submitted_ip, shown_text, values, confirmed_at)
    select f.id, c.id, c.created_at, '192.0.2.1', 'Join', '{}'::jsonb, case when abs(hashtext(c.email || f.id::text)) % 6 <> 0 then c.created_at + interval '1 hour' end
    from contacts c join lateral (select id from forms order by id offset (abs(hashtext(c.email || 'form')) % 8) limit (1 + (abs(hashtext(c.email)) % 5 = 0)::int)) f on true
    where abs(hashtext(c.email || 'signup')) % 10 <> 0`);
  // Messages written directly: contact_engagement as ingestion's recompute makes it of them.
  await db.execute(sql`select postline_refresh_contact_engagement(array(select id from contacts))`);
  // Vacuumed as autovacuum would have by then: index-only scans need the visibility map.
  await db.execute(sql`vacuum analyze`);
}, 600_000);
afterAll(() => t.drop());

async function plan(definition: SegmentDefinition, analyze: boolean): Promise<string> {
  const query = new PgDialect().sqlToQuery(countSegmentSql(definition, { now }));
  const client = await t.db.$client.connect();
  try {
    const res = await client.query<{ "QUERY PLAN": string }>(`explain (${analyze ? "analyze, buffers off, " : ""}costs off) ${query.sql}`, query.params as unknown[]);
    return res.rows.map((r) => r["QUERY PLAN"]).join("\n");
  } finally {
    client.release();
  }
}

describe(`segment plans at ${N.toLocaleString("en")} contacts (real PostgreSQL)`, () => {
  const cases: [string, () => SegmentDefinition][] = [
    ["opened in the last 7 days", () => ({ match: "all", conditions: [{ type: "engagement", op: "opened_within_days", days: 7 }] })],
    ["clicked in the last 30 days", () => ({ match: "all", conditions: [{ type: "engagement", op: "clicked_within_days", days: 30 }] })],
    ["never opened", () => ({ match: "all", conditions: [{ type: "engagement", op: "never_opened" }] })],
    ["has a tag", () => ({ match: "all", conditions: [{ type: "tags", op: "any", tag_ids: [tagIds[0]] }] })],
    ["all of two tags, not a third", () => ({ match: "all", conditions: [{ type: "tags", op: "all", tag_ids: [tagIds[0], tagIds[1]] }, { type: "tags", op: "none", tag_ids: [tagIds[2]] }] })],
    ["in a list", () => ({ match: "all", conditions: [{ type: "lists", op: "any", list_ids: [listIds[0]] }] })],
    ["city = City 7 (GIN)", () => ({ match: "all", conditions: [{ type: "field", key: "city", op: "equals", value: "City 7" }] })],
    ["age >= 60 and plan is set", () => ({ match: "all", conditions: [{ type: "field", key: "age", op: "gte", value: 60 }, { type: "field", key: "plan", op: "is_set" }] })],
    ["renews before 2025-03-01", () => ({ match: "all", conditions: [{ type: "field", key: "renews", op: "before", value: "2025-03-01" }] })],
    ["signed up in the last 30 days, subscribed", () => ({ match: "all", conditions: [{ type: "created", op: "within_last_days", days: 30 }, { type: "status", op: "is", values: ["subscribed"] }] })],
    ["tag and city and not unsubscribed", () => ({ match: "all", conditions: [{ type: "tags", op: "any", tag_ids: [tagIds[3]] }, { type: "field", key: "city", op: "equals", value: "City 3" }, { type: "status", op: "is_not", values: ["unsubscribed"] }] })],
    ["signed up through a form", () => ({ match: "all", conditions: [{ type: "form", op: "any", form_ids: [formIds[0]] }] })],
    ["signed up through either of two forms in the last 30 days", () => ({ match: "all", conditions: [{ type: "form", op: "any", form_ids: [formIds[1], formIds[7]], days: 30 }] })],
    ["not signed up through a form, subscribed", () => ({ match: "all", conditions: [{ type: "form", op: "none", form_ids: [formIds[2]] }, { type: "status", op: "is", values: ["subscribed"] }] })],
    ["opened in 30 days or signed up in 7", () => ({ match: "any", conditions: [{ type: "engagement", op: "opened_within_days", days: 30 }, { type: "created", op: "within_last_days", days: 7 }] })],
  ];

  it("prints each count's plan; engagement reads contact_engagement, never messages; a lone tag reads its index", async () => {
    const plans = new Map<string, string>();
    for (const [name, definition] of cases) {
      const text = await plan(definition(), process.env.SEGMENT_PLAN_ANALYZE === "1");
      plans.set(name, text);
      console.log(`\n--- ${name}\n${text}`);
    }
    // Engagement reads contact_engagement's indexes (one row per contact), never messages.
    expect(plans.get("opened in the last 7 days")).toMatch(/contact_engagement_opened_idx/);
    expect(plans.get("clicked in the last 30 days")).toMatch(/contact_engagement_clicked_idx/);
    expect(plans.get("never opened")).toMatch(/contact_engagement_never_opened_idx/);
    // (City 7 is 2% of contacts: below ~100,000 contacts a scan of contacts is cheaper than the GIN
    // index, and the planner rightly scans; at 300,000 it reads contacts_fields_gin_idx.)
    for (const [name, text] of plans) expect(text, name).not.toMatch(/on messages/);
    // A lone tag or list is counted from its index, contacts only consulted for the pending ones.
    expect(plans.get("has a tag")).toMatch(/contact_tags_tag_contact_idx[\s\S]*contacts_status_idx/);
    expect(plans.get("has a tag")).not.toMatch(/Seq Scan on contacts/);
    // Form conditions read the chosen forms' signups (form_signups_form_idx), like lists and tags: at
    // 85,000 contacts and ~92,000 signups about 70 ms, no further index needed.
    for (const [name, text] of plans) if (name.includes("through")) expect(text, name).toMatch(/form_signups_form_idx/);
  }, 300_000);
});
