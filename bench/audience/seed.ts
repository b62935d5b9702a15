/**
 * bench:audience's data: an audience shaped like a real one, written straight into PostgreSQL with
 * set-based statements (the import path has its own benchmark).
 *
 * - contacts: N (default 1,000,000), 92% subscribed, the rest unsubscribed, bounced or complained;
 *   custom fields `city` (one of 40), `plan` (free/pro/team), `score` (0–999, a number kept as text, as
 *   every field is), `signup` (a date over two years, text), and on every 50th contact a `score` that is
 *   not a number ("n/a"), as real imports have; created over the last two years.
 * - lists: 10, each contact in one or two of them.
 * - tags: 30, a contact carries 0–3 (≈1.5 per contact).
 * - campaigns: 25 sent ones over the last 120 days; each went to a ninth of the audience (its messages
 *   carry contact_id), with delivery, human and machine opens, clicks and bounces; the events behind
 *   them in message_events (raw JSON as Postmark sends it, abridged), ≈ 5,000,000 rows at 1M contacts.
 */
import { sql } from "drizzle-orm";
import type { Db } from "@/db";

export interface SeedOptions {
  contacts: number;
  campaigns: number;
}

export const CITIES = 40;
export const TAGS = 30;
export const LISTS = 10;

export async function seedAudience(db: Db, { contacts, campaigns }: SeedOptions) {
  const started = performance.now();
  const step = async (label: string, statement: ReturnType<typeof sql>) => {
    const t = performance.now();
    await db.execute(statement);
    if (process.env.BENCH_VERBOSE) console.log(`  ${label}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  await step(
    "contacts",
    sql`insert into contacts (email, name, fields, status, created_at, updated_at)
        select 'c' || i || '@audience.bench.test', 'Reader ' || i,
               jsonb_build_object('city', 'City ' || (i % ${CITIES}), 'plan', (array['free','pro','team'])[1 + i % 3],
                                  'score', case when i % 50 = 0 then 'n/a' else ((i::bigint * 7919) % 1000)::text end,
                                  'signup', to_char(date '2025-01-01' + (i % 730), 'YYYY-MM-DD')),
               (case when i % 100 < 92 then 'subscribed' when i % 100 < 96 then 'unsubscribed' when i % 100 < 99 then 'bounced' else 'complained' end)::contact_status,
               now() - ((i % 730) * interval '1 day') - ((i % 86400) * interval '1 second'), now()
        from generate_series(1, ${contacts}::int) i`,
  );
  await step("lists", sql`insert into lists (name) select 'List ' || g from generate_series(0, ${LISTS - 1}::int) g`);
  await step("tags", sql`insert into tags (name) select 'tag-' || g from generate_series(0, ${TAGS - 1}::int) g`);
  // Each contact in list (n % 10), and every third also in list ((n / 3) % 10).
  await step(
    "list memberships",
    sql`with c as (select id, row_number() over () as n from contacts), l as (select id, row_number() over (order by name) - 1 as k from lists)
        insert into list_memberships (list_id, contact_id)
        select l.id, c.id from c join l on l.k = c.n % ${LISTS}
        union
        select l.id, c.id from c join l on l.k = (c.n / 3) % ${LISTS} where c.n % 3 = 0`,
  );
  // 0–3 tags per contact: tag (n % 30) for 3 in 4, tag ((n * 7) % 30) for one in 2, tag ((n * 13) % 30) for one in 4.
  await step(
    "contact tags",
    sql`with c as (select id, row_number() over () as n from contacts), t as (select id, row_number() over (order by name) - 1 as k from tags)
        insert into contact_tags (contact_id, tag_id)
        select c.id, t.id from c join t on t.k = c.n % ${TAGS} where c.n % 4 <> 0
        union
        select c.id, t.id from c join t on t.k = (c.n * 7) % ${TAGS} where c.n % 2 = 0
        union
        select c.id, t.id from c join t on t.k = (c.n * 13) % ${TAGS} where c.n % 4 = 1`,
  );
  await step(
    "campaigns",
    sql`insert into campaigns (name, from_email, subject, html, status, started_at, completed_at)
        select 'Campaign ' || g, 'news@bench.test', 'Subject ' || g, '<p>hi</p>', 'sent', now() - (g * 5 + 1) * interval '1 day', now() - (g * 5 + 1) * interval '1 day'
        from generate_series(0, ${campaigns - 1}::int) g`,
  );
  // Campaign g went to the contacts with n % 9 = g % 9; outcome by a hash: 3% bounce, 45% opened by a
  // person, 20% opened by Apple's proxy only, 12% clicked by a person, 6% clicked by a scanner only.
  await step(
    "messages",
    sql`with c as (select id, email, row_number() over () as n from contacts where status <> 'bounced'),
             k as (select id, started_at as t, row_number() over (order by name) - 1 as g from campaigns)
        insert into messages (kind, campaign_id, contact_id, to_email, from_email, subject, message_stream, status, postmark_message_id, sent_at, delivered_at,
                              first_opened_at, first_human_opened_at, first_clicked_at, first_human_clicked_at, bounced_at, open_classes, click_classes, last_event_at)
        select 'campaign', k.id, c.id, c.email, 'news@bench.test', 's', 'broadcast',
               (case when h < 3 then 'bounced' when h < 21 then 'clicked' when h < 68 then 'opened' else 'delivered' end)::message_status,
               gen_random_uuid()::text, k.t, case when h >= 3 then k.t + interval '1 minute' end,
               case when h >= 3 and h < 68 then k.t + interval '2 hours' end,
               case when h >= 3 and h < 48 then k.t + interval '2 hours' end,
               case when h >= 3 and h < 21 then k.t + interval '3 hours' end,
               case when h >= 3 and h < 15 then k.t + interval '3 hours' end,
               case when h < 3 then k.t + interval '1 minute' end,
               case when h >= 48 and h < 68 then '{apple_mpp}'::text[] when h >= 3 and h < 48 then '{human}'::text[] else '{}'::text[] end,
               case when h >= 15 and h < 21 then '{link_scanner}'::text[] when h >= 3 and h < 15 then '{human}'::text[] else '{}'::text[] end,
               k.t + interval '3 hours'
        from k join c on c.n % 9 = k.g % 9,
        lateral (select abs(hashtext(c.id::text || k.id::text)) % 100 as h) x`,
  );
  await step(
    "message events",
    // Raw JSON in its own table and keys in theirs, as ingestion stores them (db/schema/messages.ts).
    sql`with ev as (
          insert into message_events (event_key, message_id, postmark_message_id, record_type, recipient, occurred_at, source, details)
          select md5(m.id::text || e.kind), m.id, m.postmark_message_id, e.kind, m.to_email, e.at, 'webhook', '{}'::jsonb
          from messages m,
          lateral (values ('Delivery', m.delivered_at), ('Open', m.first_opened_at), ('Click', m.first_clicked_at), ('Bounce', m.bounced_at)) as e(kind, at)
          where e.at is not null
          returning id, received_at, event_key, record_type, postmark_message_id, recipient
        ),
        raw as (
          insert into message_event_raw (event_id, received_at, raw)
          select id, received_at, jsonb_build_object('RecordType', record_type, 'MessageID', postmark_message_id, 'Recipient', recipient) from ev
        )
        insert into message_event_keys (event_key) select event_key from ev`,
  );
  await step("contact engagement", deriveContactEngagementSql);
  await step("vacuum analyze", sql`vacuum analyze`);
  return { ...(await describeAudience(db)), seconds: (performance.now() - started) / 1000 };
}

/**
 * contact_engagement as sending and ingestion keep it (db/schema/contacts.ts), by the product's own
 * recompute over the contacts the messages above reached: the seed writes messages directly, so without
 * this the engagement segments would be counted over an empty table. (About 90 s at a million contacts;
 * checked equal, row for row, to migration 0020's set-based derivation on the kept database.)
 */
const deriveContactEngagementSql = sql`
  select postline_refresh_contact_engagement(array(select distinct contact_id from messages where campaign_id is not null and contact_id is not null))`;

/**
 * A database kept (`--data`) from before the seed derived contact_engagement has it empty: derive it
 * once, and say so. Null when there was nothing to do.
 */
export async function deriveMissingContactEngagement(db: Db): Promise<number | null> {
  const [{ empty }] = (await db.execute<{ empty: boolean }>(sql`select not exists (select 1 from contact_engagement) and exists (select 1 from messages where campaign_id is not null and contact_id is not null) as empty`)).rows;
  if (!empty) return null;
  await db.execute(deriveContactEngagementSql);
  await db.execute(sql`vacuum analyze contact_engagement`);
  const [{ n }] = (await db.execute<{ n: number }>(sql`select count(*)::int as n from contact_engagement`)).rows;
  return n;
}

/** What a seeded database holds (for a run on a kept one, `--data`). */
export async function describeAudience(db: Db) {
  const [counts] = (
    await db.execute<{ contacts: number; messages: number; events: number; taggings: number; memberships: number }>(sql`
      select (select count(*) from contacts)::int as contacts, (select count(*) from messages)::int as messages,
             (select count(*) from message_events)::int as events, (select count(*) from contact_tags)::int as taggings,
             (select count(*) from list_memberships)::int as memberships`)
  ).rows;
  return { ...counts, seconds: 0 };
}
