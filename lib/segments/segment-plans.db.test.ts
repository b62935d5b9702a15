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
 *
 * The planner must see the same tables on every run: the seed is a function of each contact's number
 * and of names, never of the random ids, every asserted set is clearly on the index's side of the
 * planner's choice, and the tables are vacuumed until every page is all-visible.
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
  listIds = idsInNameOrder((await db.execute<Named>(sql`insert into lists (name) select 'List ' || g from generate_series(1, 10) g returning id, name`)).rows);
  tagIds = idsInNameOrder((await db.execute<Named>(sql`insert into tags (name) select 'Tag ' || g from generate_series(1, 20) g returning id, name`)).rows);
  await db.execute(sql`
    insert into contacts (email, fields, status, created_at)
    select 'p' || g || '@plans.test',
           jsonb_build_object('city', 'City ' || (g % 50), 'age', (g % 90)::text, 'plan', case when g % 3 = 0 then 'pro' else '' end, 'renews', to_char(date '2025-01-01' + (g % 365), 'YYYY-MM-DD')),
           (case when g % 20 = 0 then 'unsubscribed' when g % 97 = 0 then 'bounced' else 'subscribed' end)::contact_status,
           ${now.toISOString()}::timestamptz - (g % 400) * interval '1 day'
    from generate_series(1, ${N}) g`);
  // Everything below is a function of each contact's g (its email is p<g>@plans.test) and of names,
  // never of the random ids, whose order decided run by run which tag had half the others' contacts.
  const contacts = sql`(select c.*, substring(c.email from '^p([0-9]+)@')::int as g from contacts c)`;
  // One list each (10% of the contacts a list); two consecutive tags each (10% a tag).
  await db.execute(sql`insert into list_memberships (list_id, contact_id) select l.id, c.id from ${contacts} c join lists l on l.name = 'List ' || (c.g % 10 + 1)`);
  await db.execute(sql`
    insert into contact_tags (tag_id, contact_id)
    select t.id, c.id from ${contacts} c cross join unnest(array[c.g % 20 + 1, (c.g + 1) % 20 + 1]) k join tags t on t.name = 'Tag ' || k`);
  const campaignIds = idsInNameOrder((await db.execute<Named>(sql`insert into campaigns (name, from_email, subject, html, status) select 'C ' || g, 'f@x.test', 's', 'h', 'sent' from generate_series(1, 10) g returning id, name`)).rows);
  // Each contact opened at most one of the three campaigns sent (60 i + 1) days ago, a few hours after
  // it was sent, by g % 10: 0 the one sent yesterday (10% so far), 1–4 the one before and 5–8 the
  // oldest (40% each), 9 none (10%); half of those who opened clicked too. So 10% opened in
  // the last 7 days, 5% clicked in the last 30, and 10% never opened: sets small enough that reading
  // them from the engagement indexes costs a third of a scan of contact_engagement or less.
  const openedCampaign = sql`(case when c.g % 10 = 0 then 0 when c.g % 10 between 1 and 4 then 1 when c.g % 10 between 5 and 8 then 2 end)`;
  for (const [i, campaignId] of campaignIds.slice(0, 3).entries()) {
    await db.execute(sql`
      insert into messages (kind, campaign_id, contact_id, to_email, from_email, subject, message_stream, status, sent_at, first_human_opened_at, first_human_clicked_at)
      select 'campaign', ${campaignId}::uuid, c.id, c.email, 'f@x.test', 's', 'broadcast', 'delivered', m.sent_at,
             case when ${openedCampaign} = ${i} then m.sent_at + (1 + c.g % 7) * interval '1 hour' end,
             case when ${openedCampaign} = ${i} and c.g % 20 < 10 then m.sent_at + (1 + c.g % 7) * interval '1 hour' end
      from ${contacts} c cross join (select ${now.toISOString()}::timestamptz - ${i * 60 + 1} * interval '1 day' as sent_at) m`);
  }
  // Signup forms: nine contacts in ten signed up through one of the four main forms (4–7, by g % 4),
  // and 1% each through a landing-page form too (1, 2, 3 and the archived 8, by g % 100); a seventh
  // never confirmed. The conditions below name landing-page forms: reading their signups through
  // form_signups_form_idx costs about 55% of a scan of form_signups. (Fewer signups would not make it
  // much cheaper: a form's rows are spread over the table's pages, each read at random.)
  formIds = idsInNameOrder((await db.execute<Named>(sql`
    insert into forms (name, fields, heading, confirmation_subject, confirmation_html, confirmation_text, thank_you_message, confirmed_message, archived_at)
    select 'Form ' || g, '[]'::jsonb, 'Join', 'Confirm', '{{ confirm_url }}', '{{ confirm_url }}', 'Thanks', 'Confirmed', case when g = 8 then now() end
    from generate_series(1, 8) g returning id, name`)).rows);
  await db.execute(sql`
    insert into form_signups (form_id, contact_id, submitted_at, submitted_ip, shown_text, values, confirmed_at)
    select f.id, c.id, c.created_at, '192.0.2.1', 'Join', '{}'::jsonb, case when c.g % 7 <> 0 then c.created_at + interval '1 hour' end
    from ${contacts} c cross join unnest(array[case when c.g % 10 <> 9 then 4 + c.g % 4 end, (array[1, 2, 3, 8])[c.g % 100 + 1]]) k join forms f on f.name = 'Form ' || k`);
  // Messages written directly: contact_engagement as ingestion's recompute makes it of them.
  await db.execute(sql`select postline_refresh_contact_engagement(array(select id from contacts))`);
  await vacuumUntilAllVisible(db);
}, 600_000);
afterAll(() => t.drop());

type Named = { id: string; name: string };

/** The ids of rows named "<word> <number>", in the order of that number, never in the order of the ids. */
function idsInNameOrder(rows: Named[]): string[] {
  const number = (row: Named) => Number(row.name.split(" ")[1]);
  return [...rows].sort((a, b) => number(a) - number(b)).map((row) => row.id);
}

/**
 * Vacuumed as autovacuum would have by then: index-only scans need the visibility map, and the
 * planner prices them by the share of all-visible pages. VACUUM marks a page all-visible only once it
 * could hint its rows' commits, and it may not hint a commit whose WAL record is not flushed yet, nor
 * one sharing a commit-log LSN group (32 transactions) with such a commit. The test server commits
 * asynchronously, ANALYZE's own commits too: depending on when the WAL writer had flushed, about half
 * the runs left contact_engagement or contact_tags partly or wholly not all-visible, and the planner
 * then read them by a sequential or bitmap heap scan instead of their indexes. So this session
 * commits synchronously, and vacuums again (after the WAL writer's 200 ms) until every page is.
 */
async function vacuumUntilAllVisible(db: TestDatabase["db"]): Promise<void> {
  const client = await db.$client.connect();
  try {
    await client.query("set synchronous_commit = on");
    for (let attempt = 1; ; attempt++) {
      await client.query("vacuum analyze");
      const { rows } = await client.query<{ relname: string }>("select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' and relallvisible < relpages");
      if (rows.length === 0) return;
      if (attempt === 20) throw new Error(`not all-visible after ${attempt} vacuums: ${rows.map((r) => r.relname).join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    // Closed, not returned to the pool: it was set to commit synchronously.
    client.release(true);
  }
}

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
