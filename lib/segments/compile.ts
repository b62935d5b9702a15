import { sql, type SQL } from "drizzle-orm";
import { uuidArray } from "@/lib/http/id";
import { isGroup, type FieldCondition, type SegmentCondition, type SegmentGroup } from "./definition";

/**
 * Segment definitions to SQL: one boolean expression over `contacts c`, every value a bound parameter
 * (drizzle `sql` fragments; nothing is concatenated into the text). The clock comes in as `now`, so
 * "in the last N days" means the same instant for a count and for the send that follows it.
 *
 * Which index serves what (db/schema; plans in lib/segments/segments-plans.db.test.ts):
 * - lists, tags: list_memberships_contact_idx / contact_tags (contact_id, tag_id) key, or a hashed
 *   semi-join over list_memberships' key / contact_tags_tag_contact_idx;
 * - custom field equals / is set: contacts_fields_gin_idx (`@>`, `?`); the other field operators are
 *   filters on the row already read;
 * - status: contacts_status_idx; created: contacts_created_idx;
 * - form: form_signups_contact_idx (contact_id, …) per contact, or a hashed semi-join over the
 *   signups of the chosen forms read through form_signups_form_idx;
 * - engagement: contact_engagement (one row per contact a campaign reached), its indexes on the
 *   latest human open and click and its partial index for "never opened".
 * countSegment does not always count with this predicate: lib/segments/count.ts counts a lone
 * membership or engagement condition from its own index instead.
 */

export interface CompileOptions {
  now: Date;
}

const DAY_MS = 86_400_000;

/** An instant as the definition writes it: a bare date is midnight UTC. */
export const instantOf = (v: string) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v).toISOString();

/** A day as YYYY-MM-DD in UTC. */
export const utcDay = (d: Date) => d.toISOString().slice(0, 10);
export const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);

/**
 * A number written in a custom field (fields are strings): what PostgreSQL's numeric accepts, bounded
 * so the cast can never fail (60 characters, exponent of at most 3 digits). A value that is not a
 * number simply does not match; it never errors the query.
 */
export const NUMBER_PATTERN = "^\\s*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,3})?\\s*$";
/** A date in a custom field: starts with YYYY-MM-DD (a time may follow); compared as that day's text. */
export const DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}";

/** The whole definition as a condition on `c` (contacts c). An empty group matches every contact. */
export function compileSegment(definition: SegmentGroup, options: CompileOptions): SQL {
  return compileGroup(definition, options);
}

function compileGroup(group: SegmentGroup, options: CompileOptions): SQL {
  const parts = group.conditions.map((node) => (isGroup(node) ? compileGroup(node, options) : compileCondition(node, options)));
  if (parts.length === 0) return sql`true`;
  return sql`(${sql.join(parts, group.match === "all" ? sql` and ` : sql` or `)})`;
}

function fieldText(key: string): SQL {
  return sql`(c.fields ->> ${key}::text)`;
}

function compileField(c: FieldCondition, { now }: CompileOptions): SQL {
  const value = fieldText(c.key);
  switch (c.op) {
    case "equals":
      return sql`(c.fields @> ${JSON.stringify({ [c.key]: c.value })}::jsonb)`;
    case "not_equals":
      // A contact without the field is "not equal" too.
      return sql`(not c.fields @> ${JSON.stringify({ [c.key]: c.value })}::jsonb)`;
    case "contains":
      return sql`(strpos(lower(${value}), ${c.value.toLowerCase()}::text) > 0)`;
    case "is_set":
      // `?` lets contacts_fields_gin_idx find the contacts that have the key at all.
      return sql`(c.fields ? ${c.key}::text and ${value} <> '')`;
    case "is_not_set":
      return sql`(coalesce(${value}, '') = '')`;
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const op = { gt: sql`>`, gte: sql`>=`, lt: sql`<`, lte: sql`<=` }[c.op];
      // CASE evaluates the cast only for values the pattern accepts: "n/a" is no match, not an error.
      return sql`((case when length(${value}) <= 60 and ${value} ~ ${NUMBER_PATTERN}::text then ${value}::numeric end) ${op} ${String(c.value)}::numeric)`;
    }
    case "before":
    case "after":
    case "within_last_days": {
      // Compared as text in "C" order: YYYY-MM-DD sorts like the dates, and an impossible date such
      // as 2024-02-30 never reaches a date cast that would fail.
      const day = sql`(case when ${value} ~ ${DATE_PATTERN}::text then left(${value}, 10) end) collate "C"`;
      if (c.op === "within_last_days") return sql`(${day} between ${utcDay(daysBefore(now, c.days))}::text and ${utcDay(now)}::text)`;
      return c.op === "before" ? sql`(${day} < ${c.value}::text)` : sql`(${day} > ${c.value}::text)`;
    }
  }
}

function compileCondition(c: SegmentCondition, options: CompileOptions): SQL {
  const { now } = options;
  switch (c.type) {
    case "lists": {
      const inAny = sql`exists (select 1 from list_memberships m where m.contact_id = c.id and m.list_id = any(${uuidArray(c.list_ids)}))`;
      return c.op === "any" ? inAny : sql`(not ${inAny})`;
    }
    case "tags": {
      const has = (ids: string[]) => sql`exists (select 1 from contact_tags ct where ct.contact_id = c.id and ct.tag_id = any(${uuidArray(ids)}))`;
      if (c.op === "any") return has(c.tag_ids);
      if (c.op === "none") return sql`(not ${has(c.tag_ids)})`;
      // One semi-join per tag: each can be hashed from contact_tags_tag_contact_idx.
      return sql`(${sql.join([...new Set(c.tag_ids)].map((id) => has([id])), sql` and `)})`;
    }
    case "field":
      return compileField(c, options);
    case "status": {
      const statuses = sql`${`{${[...new Set(c.values)].join(",")}}`}::contact_status[]`;
      return c.op === "is" ? sql`(c.status = any(${statuses}))` : sql`(c.status <> all(${statuses}))`;
    }
    case "created":
      if (c.op === "after" || c.op === "before") return sql`(c.created_at ${c.op === "after" ? sql`>` : sql`<`} ${instantOf(c.value)}::timestamptz)`;
      if (c.op === "within_last_days") return sql`(c.created_at >= ${daysBefore(now, c.days).toISOString()}::timestamptz)`;
      return sql`(c.created_at >= ${`${c.from}T00:00:00Z`}::timestamptz and c.created_at < ${new Date(Date.parse(`${c.to}T00:00:00Z`) + DAY_MS).toISOString()}::timestamptz)`;
    case "form": {
      // Only a confirmed signup counts: an unconfirmed one is a request, not consent.
      const since = c.days === undefined ? sql`` : sql` and s.confirmed_at >= ${daysBefore(now, c.days).toISOString()}::timestamptz`;
      const signedUp = sql`exists (select 1 from form_signups s where s.contact_id = c.id and s.form_id = any(${uuidArray(c.form_ids)}) and s.confirmed_at is not null${since})`;
      return c.op === "any" ? signedUp : sql`(not ${signedUp})`;
    }
    case "engagement": {
      // contact_engagement holds each contact's latest first human open and click of a campaign
      // message and its first campaign send (db/schema/contacts.ts): "some message first opened by a
      // person since X" is "the latest of them is since X". A human click also sets
      // first_human_opened_at (lib/engagement), so "opened" includes clickers.
      // EXISTS, never IN: `not (c.id in (…))` cannot become an anti-join (NULL semantics); once the ids
      // outgrow work_mem PostgreSQL probes the subquery for every contact (seen in bench:audience).
      if (c.op === "never_opened") {
        return sql`exists (select 1 from contact_engagement e where e.contact_id = c.id and e.sent_at is not null and e.human_opened_at is null)`;
      }
      const since = daysBefore(now, c.days).toISOString();
      const engaged = c.op === "opened_within_days" || c.op === "not_opened_within_days"
        ? sql`exists (select 1 from contact_engagement e where e.contact_id = c.id and e.human_opened_at >= ${since}::timestamptz)`
        : sql`exists (select 1 from contact_engagement e where e.contact_id = c.id and e.human_clicked_at >= ${since}::timestamptz)`;
      return c.op.startsWith("not_") ? sql`(not ${engaged})` : engaged;
    }
  }
}

/** The contacts a definition selects, as `(select c.* …)`, excluding pending contacts (not yet confirmed). */
export function segmentContactsWhere(definition: SegmentGroup, options: CompileOptions): SQL {
  // The enum compared as itself: `status::text` cannot use an index and costs a cast per contact.
  return sql`(c.status <> 'pending' and ${compileSegment(definition, options)})`;
}
