import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { AppError } from "@/lib/errors";
import { uuidArray } from "@/lib/http/id";
import { CONTACT_STATUSES, describeCondition, isGroup, leaves, type SegmentCondition, type SegmentGroup } from "./definition";

type Located = { path: string; condition: SegmentCondition };
export type Contradiction = { paths: string[]; message: string };

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const label = (l: Located) => `${l.path} (${describeCondition(l.condition)})`;

/**
 * Conditions that can never hold together: in an `all` group, the group's own conditions taken
 * together (a nested `any` group is not looked into: it may hold either way); anywhere, a date range
 * that ends before it starts. Each names the conditions involved by path ("conditions.2").
 */
export function findContradictions(definition: SegmentGroup): Contradiction[] {
  const found: Contradiction[] = [];
  const walk = (group: SegmentGroup, prefix: string) => {
    const own: Located[] = [];
    group.conditions.forEach((node, i) => {
      const path = `${prefix}conditions.${i}`;
      if (isGroup(node)) walk(node, `${path}.`);
      else own.push({ path, condition: node });
    });
    for (const l of own) {
      if (l.condition.type === "created" && l.condition.op === "between" && l.condition.from > l.condition.to) {
        found.push({ paths: [l.path], message: `${label(l)}: the range starts after it ends` });
      }
    }
    if (group.match === "all") found.push(...allGroupContradictions(own));
  };
  walk(definition, "");
  return found;
}

function allGroupContradictions(own: Located[]): Contradiction[] {
  const found: Contradiction[] = [];
  const of = <T extends SegmentCondition["type"]>(type: T) => own.filter((l): l is Located & { condition: Extract<SegmentCondition, { type: T }> } => l.condition.type === type);

  // Status: what the conditions allow together.
  const statuses = of("status");
  let allowed = new Set<string>(CONTACT_STATUSES);
  for (const s of statuses) allowed = new Set([...allowed].filter((v) => (s.condition.op === "is") === s.condition.values.includes(v as never)));
  if (statuses.length > 1 && allowed.size === 0) found.push({ paths: statuses.map((s) => s.path), message: `${statuses.map(label).join(" and ")} cannot both hold` });

  // Lists and tags: required ones that are also excluded.
  for (const [type, idsOf] of [
    ["lists", (c: SegmentCondition) => (c.type === "lists" ? c.list_ids : [])],
    ["tags", (c: SegmentCondition) => (c.type === "tags" ? c.tag_ids : [])],
  ] as const) {
    const conds = own.filter((l) => l.condition.type === type);
    const none = conds.filter((l) => (l.condition as { op: string }).op === "none");
    const excluded = new Set(none.flatMap((l) => idsOf(l.condition)));
    for (const l of conds) {
      const op = (l.condition as { op: string }).op;
      const ids = idsOf(l.condition);
      const clash = op === "all" ? ids.some((id) => excluded.has(id)) : op === "any" ? ids.every((id) => excluded.has(id)) : false;
      if (clash) {
        const with_ = none.filter((n) => idsOf(n.condition).some((id) => ids.includes(id)));
        found.push({ paths: [l.path, ...with_.map((n) => n.path)], message: `${[l, ...with_].map(label).join(" and ")} cannot both hold` });
      }
    }
  }

  // Forms: every form a signup is required through is excluded over a window that covers the
  // required one ("none" for ever covers any window; "none in the last 30 days" covers "any in the last 7").
  const forms = of("form");
  const formNone = forms.filter((l) => l.condition.op === "none");
  for (const l of forms.filter((f) => f.condition.op === "any")) {
    const { days } = l.condition;
    const covering = formNone.filter((n) => n.condition.days === undefined || (days !== undefined && days <= n.condition.days));
    const excludedBy = (id: string) => covering.filter((n) => n.condition.form_ids.includes(id));
    if (l.condition.form_ids.every((id) => excludedBy(id).length > 0)) {
      const with_ = covering.filter((n) => n.condition.form_ids.some((id) => l.condition.form_ids.includes(id)));
      found.push({ paths: [l.path, ...with_.map((n) => n.path)], message: `${[l, ...with_].map(label).join(" and ")} cannot both hold` });
    }
  }

  // Signed up: the intersection of the ranges is empty.
  const ranges = of("created").filter((l) => l.condition.op === "between") as (Located & { condition: { from: string; to: string } })[];
  if (ranges.length > 1) {
    const from = ranges.reduce((m, r) => (r.condition.from > m ? r.condition.from : m), "");
    const to = ranges.reduce((m, r) => (r.condition.to < m ? r.condition.to : m), "9999-12-31");
    if (from > to && ranges.every((r) => r.condition.from <= r.condition.to)) found.push({ paths: ranges.map((r) => r.path), message: `${ranges.map(label).join(" and ")} do not overlap` });
  }

  // Engagement: never opened, yet opened or clicked (a person's click counts as an open).
  const engagement = of("engagement");
  const never = engagement.filter((l) => l.condition.op === "never_opened");
  const engaged = engagement.filter((l) => l.condition.op === "opened_within_days" || l.condition.op === "clicked_within_days");
  if (never.length && engaged.length) found.push({ paths: [...never, ...engaged].map((l) => l.path), message: `${[...never, ...engaged].map(label).join(" and ")} cannot both hold` });

  // Custom fields, key by key.
  const byKey = new Map<string, (Located & { condition: Extract<SegmentCondition, { type: "field" }> })[]>();
  for (const l of of("field")) byKey.set(l.condition.key, [...(byKey.get(l.condition.key) ?? []), l]);
  for (const conds of byKey.values()) {
    const clash = (a: Located[], message = "cannot both hold") => found.push({ paths: a.map((l) => l.path), message: `${a.map(label).join(" and ")} ${message}` });
    const unset = conds.filter((l) => l.condition.op === "is_not_set");
    const needsValue = conds.filter((l) => !["is_not_set", "not_equals"].includes(l.condition.op));
    if (unset.length && needsValue.length) clash([needsValue[0], unset[0]]);
    const equals = conds.filter((l) => l.condition.op === "equals") as (Located & { condition: { value: string } })[];
    const differing = equals.find((e) => e.condition.value !== equals[0].condition.value);
    if (differing) clash([equals[0], differing]);
    const notEquals = conds.filter((l) => l.condition.op === "not_equals") as (Located & { condition: { value: string } })[];
    const sameNot = equals.length ? notEquals.find((n) => n.condition.value === equals[0].condition.value) : undefined;
    if (sameNot) clash([equals[0], sameNot]);
    // Numbers: the lowest bound above the highest.
    const lower = conds.filter((l) => l.condition.op === "gt" || l.condition.op === "gte") as (Located & { condition: { op: string; value: number } })[];
    const upper = conds.filter((l) => l.condition.op === "lt" || l.condition.op === "lte") as (Located & { condition: { op: string; value: number } })[];
    for (const lo of lower) {
      const hi = upper.find((u) => u.condition.value < lo.condition.value || (u.condition.value === lo.condition.value && (u.condition.op === "lt" || lo.condition.op === "gt")));
      if (hi) {
        clash([lo, hi], "leave no number");
        break;
      }
    }
    // Dates: after X and before Y with no day between.
    const after = conds.filter((l) => l.condition.op === "after") as (Located & { condition: { value: string } })[];
    const before = conds.filter((l) => l.condition.op === "before") as (Located & { condition: { value: string } })[];
    for (const a of after) {
      const b = before.find((x) => x.condition.value <= nextDay(a.condition.value));
      if (b) {
        clash([a, b], "leave no day");
        break;
      }
    }
  }
  return found;
}

/**
 * Refuses a definition that could never be what was meant: contradictory conditions
 * (`contradictory_segment`), lists, tags or forms that do not exist (`unknown_list`, `unknown_tag`,
 * `unknown_form`; an archived form exists: its signups still count), custom
 * fields no contact has (`unknown_field`: most likely a typo; the builder offers the keys in use).
 */
export async function validateSegmentDefinition(db: DbOrTx, definition: SegmentGroup): Promise<void> {
  const contradictions = findContradictions(definition);
  if (contradictions.length) {
    throw new AppError("contradictory_segment", `Contradictory segment: ${contradictions.map((c) => c.message).join("; ")}`, {
      conditions: contradictions.map((c) => ({ paths: c.paths, message: c.message })),
    });
  }
  const all = leaves(definition);
  const listIds = [...new Set(all.flatMap((l) => (l.condition.type === "lists" ? l.condition.list_ids : [])))];
  const tagIds = [...new Set(all.flatMap((l) => (l.condition.type === "tags" ? l.condition.tag_ids : [])))];
  const formIds = [...new Set(all.flatMap((l) => (l.condition.type === "form" ? l.condition.form_ids : [])))];
  const keys = [...new Set(all.flatMap((l) => (l.condition.type === "field" ? [l.condition.key] : [])))];
  const pathsOf = (pred: (c: SegmentCondition) => boolean) => all.filter((l) => pred(l.condition)).map((l) => l.path);

  if (listIds.length) {
    const found = new Set((await db.execute<{ id: string }>(sql`select id from lists where id = any(${uuidArray(listIds)})`)).rows.map((r) => r.id));
    const missing = listIds.filter((id) => !found.has(id));
    if (missing.length) throw new AppError("unknown_list", `Unknown list id: ${missing.join(", ")}`, { conditions: pathsOf((c) => c.type === "lists" && c.list_ids.some((id) => missing.includes(id))) });
  }
  if (tagIds.length) {
    const found = new Set((await db.execute<{ id: string }>(sql`select id from tags where id = any(${uuidArray(tagIds)})`)).rows.map((r) => r.id));
    const missing = tagIds.filter((id) => !found.has(id));
    if (missing.length) throw new AppError("unknown_tag", `Unknown tag id: ${missing.join(", ")}`, { conditions: pathsOf((c) => c.type === "tags" && c.tag_ids.some((id) => missing.includes(id))) });
  }
  if (formIds.length) {
    const found = new Set((await db.execute<{ id: string }>(sql`select id from forms where id = any(${uuidArray(formIds)})`)).rows.map((r) => r.id));
    const missing = formIds.filter((id) => !found.has(id));
    if (missing.length) throw new AppError("unknown_form", `Unknown form id: ${missing.join(", ")}`, { conditions: pathsOf((c) => c.type === "form" && c.form_ids.some((id) => missing.includes(id))) });
  }
  for (const key of keys) {
    // `fields ? key` is answered from contacts_fields_gin_idx.
    const [{ used }] = (await db.execute<{ used: boolean }>(sql`select exists (select 1 from contacts c where c.fields ? ${key}::text) as used`)).rows;
    if (!used) throw new AppError("unknown_field", `No contact has a custom field "${key}"`, { conditions: pathsOf((c) => c.type === "field" && c.key === key) });
  }
}
