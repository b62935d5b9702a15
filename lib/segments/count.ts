import { sql, type SQL } from "drizzle-orm";
import { uuidArray } from "@/lib/http/id";
import { daysBefore, segmentContactsWhere, utcDay, type CompileOptions } from "./compile";
import { isGroup, type SegmentCondition, type SegmentGroup, type SegmentNode } from "./definition";

/**
 * The statement that counts a definition's contacts: one statement, always the same number as
 * `count(*) from contacts c where segmentContactsWhere(…)` (segments.db.test.ts compares both with the
 * brute-force twin), but shaped so that PostgreSQL reads as little as it can.
 *
 * Counting over `contacts c` makes every membership or engagement condition a join against the
 * million contacts (a scan of the table, or a probe per member: hundreds of ms at 1M contacts in
 * bench:audience). When the definition is, as a whole, "the contacts of a set" that an index lists
 * (a list's members, a tag's, the confirmed signups of forms, the contacts engaged since a day,
 * those created since a day, the contacts whose custom field compares with a number or a day:
 * contact_field_values) or a union of such sets, the count reads those indexes instead; contacts
 * are only consulted for the few that are pending (contacts_status_idx). The complement of such a
 * set ("has none of a tag", "did not open in 90 days") is counted as all non-pending contacts minus
 * the set's. Anything else counts with the predicate as it is.
 */
export function countSegmentSql(definition: SegmentGroup, options: CompileOptions): SQL {
  const node = unwrap(definition);
  if (node && !isGroup(node)) {
    const negated = complementOf(node);
    if (negated) {
      const sets = setsOf(negated, options);
      if (sets) return sql`select ((select count(*) from contacts c where c.status <> 'pending') - (${countUnion(sets)}))::int as n`;
    }
  }
  const sets = node ? setsOf(node, options) : null;
  if (sets) return sql`select (${countUnion(sets)})::int as n`;
  return sql`select count(*)::int as n from contacts c where ${segmentContactsWhere(definition, options)}`;
}

/**
 * The non-pending contacts of a union of sets, as the sum of what each set adds to the ones before
 * it (S1, then S2 not in S1, …): each term reads its own index, where hashing the whole union to
 * remove duplicates cost twice as much at 250,000 contacts.
 */
function countUnion(sets: SQL[]): SQL {
  const terms = sets.map((set, i) => {
    const before = sets.slice(0, i).map((earlier) => sql` and not exists (select 1 from (${earlier}) x where x.contact_id = d.contact_id)`);
    return sql`(select count(*) from (${set}) d where not exists (select 1 from contacts p where p.id = d.contact_id and p.status = 'pending')${sql.join(before, sql``)})`;
  });
  return sql.join(terms, sql` + `);
}

/** A group of one node is that node (the builder writes one condition as `all` of one). */
function unwrap(node: SegmentNode): SegmentNode | null {
  while (isGroup(node)) {
    if (node.conditions.length !== 1) return node.conditions.length === 0 ? null : node;
    node = node.conditions[0];
  }
  return node;
}

/** The positive condition whose complement `c` is, when `c` is a "none" or "not" condition. */
function complementOf(c: SegmentCondition): SegmentCondition | null {
  if ((c.type === "lists" || c.type === "tags" || c.type === "form") && c.op === "none") return { ...c, op: "any" } as SegmentCondition;
  if (c.type === "engagement" && c.op === "not_opened_within_days") return { ...c, op: "opened_within_days" };
  if (c.type === "engagement" && c.op === "not_clicked_within_days") return { ...c, op: "clicked_within_days" };
  return null;
}

/**
 * The node as a union of queries of distinct `contact_id`s, each read from one index (pending
 * contacts included), or null. An `any` group is the union of its conditions' sets when each has them.
 */
function setsOf(node: SegmentNode, options: CompileOptions): SQL[] | null {
  if (isGroup(node)) {
    const inner = unwrap(node);
    if (inner !== node) return inner ? setsOf(inner, options) : null;
    if (node.match !== "any") return null;
    const sets = node.conditions.map((n) => setsOf(n, options));
    return sets.every((s) => s !== null) ? (sets as SQL[][]).flat() : null;
  }
  const set = conditionSet(node, options);
  return set ? [set] : null;
}

function conditionSet(c: SegmentCondition, { now }: CompileOptions): SQL | null {
  switch (c.type) {
    case "lists": {
      if (c.op !== "any") return null;
      const ids = [...new Set(c.list_ids)];
      // One list: its members are unique (the key is list, contact) and come in contact order.
      return ids.length === 1
        ? sql`select m.contact_id from list_memberships m where m.list_id = ${ids[0]}::uuid`
        : sql`select m.contact_id from list_memberships m where m.list_id = any(${uuidArray(ids)}) group by m.contact_id`;
    }
    case "tags": {
      const ids = [...new Set(c.tag_ids)];
      if (c.op === "none") return null;
      if (ids.length === 1) return sql`select ct.contact_id from contact_tags ct where ct.tag_id = ${ids[0]}::uuid`;
      const having = c.op === "all" ? sql` having count(*) = ${ids.length}` : sql``;
      return sql`select ct.contact_id from contact_tags ct where ct.tag_id = any(${uuidArray(ids)}) group by ct.contact_id${having}`;
    }
    case "form": {
      if (c.op !== "any") return null;
      const since = c.days === undefined ? sql`` : sql` and s.confirmed_at >= ${daysBefore(now, c.days).toISOString()}::timestamptz`;
      return sql`select s.contact_id from form_signups s where s.form_id = any(${uuidArray(c.form_ids)}) and s.confirmed_at is not null${since} group by s.contact_id`;
    }
    case "engagement":
      if (c.op === "never_opened") return sql`select e.contact_id from contact_engagement e where e.sent_at is not null and e.human_opened_at is null`;
      if (c.op === "opened_within_days") return sql`select e.contact_id from contact_engagement e where e.human_opened_at >= ${daysBefore(now, c.days).toISOString()}::timestamptz`;
      if (c.op === "clicked_within_days") return sql`select e.contact_id from contact_engagement e where e.human_clicked_at >= ${daysBefore(now, c.days).toISOString()}::timestamptz`;
      return null;
    case "field": {
      // contact_field_values: the values that read as a number or a day, typed (db/schema/contacts.ts).
      const rows = sql`select v.contact_id from contact_field_values v where v.name = ${c.key}::text`;
      switch (c.op) {
        case "gt":
        case "gte":
        case "lt":
        case "lte": {
          const op = { gt: sql`>`, gte: sql`>=`, lt: sql`<`, lte: sql`<=` }[c.op];
          return sql`${rows} and v.num ${op} ${String(c.value)}::numeric`;
        }
        case "before":
        case "after":
          return sql`${rows} and v.day collate "C" ${c.op === "before" ? sql`<` : sql`>`} ${c.value}::text`;
        case "within_last_days":
          return sql`${rows} and v.day collate "C" between ${utcDay(daysBefore(now, c.days))}::text and ${utcDay(now)}::text`;
        default:
          return null;
      }
    }
    case "created":
      // contacts_created_idx (created_at, id) lists them.
      if (c.op === "within_last_days") return sql`select c.id as contact_id from contacts c where c.created_at >= ${daysBefore(now, c.days).toISOString()}::timestamptz`;
      return null;
    default:
      return null;
  }
}
