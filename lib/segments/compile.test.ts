import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { compileSegment } from "./compile";
import { segmentDefinitionSchema, type SegmentCondition, type SegmentDefinition } from "./definition";
import { findContradictions } from "./validate";

const dialect = new PgDialect();
const now = new Date("2025-06-15T12:00:00Z");
const A = "11111111-1111-4111-8111-111111111111";
const B = "22222222-2222-4222-8222-222222222222";
const render = (def: SegmentDefinition) => dialect.sqlToQuery(compileSegment(def, { now }));
const one = (c: SegmentCondition): SegmentDefinition => ({ match: "all", conditions: [c] });

describe("compileSegment: one parameterised condition per segment condition", () => {
  const cases: { name: string; condition: SegmentCondition; sql: RegExp; params: unknown[] }[] = [
    { name: "in lists", condition: { type: "lists", op: "any", list_ids: [A, B] }, sql: /exists \(select 1 from list_memberships m where m\.contact_id = c\.id and m\.list_id = any\(\$1::uuid\[\]\)\)/, params: [`{${A},${B}}`] },
    { name: "not in lists", condition: { type: "lists", op: "none", list_ids: [A] }, sql: /\(not exists \(select 1 from list_memberships/, params: [`{${A}}`] },
    { name: "any tag", condition: { type: "tags", op: "any", tag_ids: [A, B] }, sql: /^\(exists \(select 1 from contact_tags ct where ct\.contact_id = c\.id and ct\.tag_id = any\(\$1::uuid\[\]\)\)\)$/, params: [`{${A},${B}}`] },
    { name: "all tags: one semi-join per tag", condition: { type: "tags", op: "all", tag_ids: [A, B, A] }, sql: /any\(\$1::uuid\[\]\)\) and exists .* any\(\$2::uuid\[\]\)\)/, params: [`{${A}}`, `{${B}}`] },
    { name: "no tag", condition: { type: "tags", op: "none", tag_ids: [A] }, sql: /\(not exists \(select 1 from contact_tags/, params: [`{${A}}`] },
    { name: "field equals: containment (GIN)", condition: { type: "field", key: "city", op: "equals", value: "Berlin" }, sql: /\(c\.fields @> \$1::jsonb\)/, params: ['{"city":"Berlin"}'] },
    { name: "field not equals", condition: { type: "field", key: "city", op: "not_equals", value: "O'Brien\"; drop table x" }, sql: /\(not c\.fields @> \$1::jsonb\)/, params: ['{"city":"O\'Brien\\"; drop table x"}'] },
    { name: "field contains, case-insensitive", condition: { type: "field", key: "city", op: "contains", value: "BER" }, sql: /strpos\(lower\(\(c\.fields ->> \$1::text\)\), \$2::text\) > 0/, params: ["city", "ber"] },
    { name: "field is set", condition: { type: "field", key: "plan", op: "is_set" }, sql: /c\.fields \? \$1::text and \(c\.fields ->> \$2::text\) <> ''/, params: ["plan", "plan"] },
    { name: "field is not set", condition: { type: "field", key: "plan", op: "is_not_set" }, sql: /coalesce\(\(c\.fields ->> \$1::text\), ''\) = ''/, params: ["plan"] },
    { name: "number >=: cast only what the pattern accepts", condition: { type: "field", key: "age", op: "gte", value: 18 }, sql: /case when length\(.*\) <= 60 and .* ~ \$3::text then .*::numeric end\) >= \$5::numeric/, params: ["age", "age", expect.stringContaining("[0-9]"), "age", "18"] },
    { name: "date before", condition: { type: "field", key: "renews", op: "before", value: "2025-01-01" }, sql: /left\(.*, 10\) end\) collate "C" < \$4::text/, params: ["renews", expect.any(String), "renews", "2025-01-01"] },
    { name: "date within the last 7 days", condition: { type: "field", key: "renews", op: "within_last_days", days: 7 }, sql: /between \$4::text and \$5::text/, params: ["renews", expect.any(String), "renews", "2025-06-08", "2025-06-15"] },
    { name: "status is", condition: { type: "status", op: "is", values: ["subscribed", "bounced"] }, sql: /\(c\.status = any\(\$1::contact_status\[\]\)\)/, params: ["{subscribed,bounced}"] },
    { name: "status is not", condition: { type: "status", op: "is_not", values: ["unsubscribed"] }, sql: /\(c\.status <> all\(\$1::contact_status\[\]\)\)/, params: ["{unsubscribed}"] },
    { name: "created between (UTC days, both included)", condition: { type: "created", op: "between", from: "2025-01-01", to: "2025-01-31" }, sql: /c\.created_at >= \$1::timestamptz and c\.created_at < \$2::timestamptz/, params: ["2025-01-01T00:00:00Z", "2025-02-01T00:00:00.000Z"] },
    { name: "created in the last 30 days", condition: { type: "created", op: "within_last_days", days: 30 }, sql: /c\.created_at >= \$1::timestamptz/, params: ["2025-05-16T12:00:00.000Z"] },
    { name: "opened in the last 30 days (human)", condition: { type: "engagement", op: "opened_within_days", days: 30 }, sql: /^\(exists \(select 1 from contact_engagement e where e\.contact_id = c\.id and e\.human_opened_at >= \$1::timestamptz\)\)$/, params: ["2025-05-16T12:00:00.000Z"] },
    { name: "clicked in the last 3 days (human)", condition: { type: "engagement", op: "clicked_within_days", days: 3 }, sql: /e\.human_clicked_at >= \$1::timestamptz/, params: ["2025-06-12T12:00:00.000Z"] },
    { name: "signed up through forms (confirmed)", condition: { type: "form", op: "any", form_ids: [A, B] }, sql: /^\(exists \(select 1 from form_signups s where s\.contact_id = c\.id and s\.form_id = any\(\$1::uuid\[\]\) and s\.confirmed_at is not null\)\)$/, params: [`{${A},${B}}`] },
    { name: "signed up through a form, confirmed in the last 30 days", condition: { type: "form", op: "any", form_ids: [A], days: 30 }, sql: /s\.confirmed_at is not null and s\.confirmed_at >= \$2::timestamptz\)\)$/, params: [`{${A}}`, "2025-05-16T12:00:00.000Z"] },
    { name: "not signed up through a form", condition: { type: "form", op: "none", form_ids: [A] }, sql: /^\(\(not exists \(select 1 from form_signups s where/, params: [`{${A}}`] },
    { name: "never opened", condition: { type: "engagement", op: "never_opened" }, sql: /^\(exists \(select 1 from contact_engagement e where e\.contact_id = c\.id and e\.sent_at is not null and e\.human_opened_at is null\)\)$/, params: [] },
  ];
  it.each(cases)("$name", ({ condition, sql, params }) => {
    expect(segmentDefinitionSchema.parse(one(condition))).toEqual(one(condition));
    const q = render(one(condition));
    expect(q.sql).toMatch(sql);
    expect(q.params).toEqual(params);
  });

  it("groups: all is and, any is or, nested in parentheses; an empty group matches everyone", () => {
    const q = render({ match: "any", conditions: [{ type: "status", op: "is", values: ["subscribed"] }, { match: "all", conditions: [{ type: "tags", op: "any", tag_ids: [A] }, { type: "field", key: "city", op: "equals", value: "Oslo" }] }] });
    expect(q.sql).toMatch(/^\(\(c\.status = any\(\$1::contact_status\[\]\)\) or \(exists .* and \(c\.fields @> \$3::jsonb\)\)\)$/);
    expect(render({ match: "all", conditions: [] }).sql).toBe("true");
  });
});

describe("segmentDefinitionSchema: bad definitions name the condition and the field", () => {
  const cases: { name: string; definition: unknown; message: RegExp; path: string }[] = [
    { name: "unknown condition type", definition: { match: "all", conditions: [{ type: "shoe_size", op: "is" }] }, message: /Unknown condition type/, path: "conditions.0.type" },
    { name: "unknown field operator", definition: { match: "all", conditions: [{ type: "field", key: "city", op: "sounds_like", value: "x" }] }, message: /Unknown operator for a custom field/, path: "conditions.0.op" },
    { name: "number compared with text", definition: { match: "all", conditions: [{ type: "field", key: "age", op: "gt", value: "18" }] }, message: /value is a number/, path: "conditions.0.value" },
    { name: "bad date", definition: { match: "all", conditions: [{ type: "field", key: "d", op: "before", value: "2025-02-30" }] }, message: /Not a calendar date/, path: "conditions.0.value" },
    { name: "days not a whole number", definition: { match: "all", conditions: [{ type: "engagement", op: "opened_within_days", days: 1.5 }] }, message: /whole number/, path: "conditions.0.days" },
    { name: "unknown status", definition: { match: "all", conditions: [{ type: "status", op: "is", values: ["vip"] }] }, message: /A status is one of/, path: "conditions.0.values.0" },
    { name: "a list id that is not an id", definition: { match: "all", conditions: [{ type: "lists", op: "any", list_ids: ["nope"] }] }, message: /Not a list id/, path: "conditions.0.list_ids.0" },
    { name: "field key not a field name", definition: { match: "all", conditions: [{ type: "field", key: "a b", op: "is_set" }] }, message: /./, path: "conditions.0.key" },
    { name: "in a nested group", definition: { match: "all", conditions: [{ match: "any", conditions: [{ type: "tags", op: "some", tag_ids: [A] }] }] }, message: /any, all or none/, path: "conditions.0.conditions.0.op" },
    { name: "a form condition without forms", definition: { match: "all", conditions: [{ type: "form", op: "any", form_ids: [] }] }, message: /Choose at least one form/, path: "conditions.0.form_ids" },
    { name: "a form condition with another operator", definition: { match: "all", conditions: [{ type: "form", op: "all", form_ids: [A] }] }, message: /any or none/, path: "conditions.0.op" },
    { name: "bad match", definition: { match: "most", conditions: [] }, message: /all or any/, path: "match" },
    { name: "extra property", definition: { match: "all", conditions: [{ type: "engagement", op: "never_opened", days: 3 }] }, message: /./, path: "conditions.0" },
    { name: "too deep", definition: { match: "all", conditions: [{ match: "all", conditions: [{ match: "all", conditions: [{ match: "all", conditions: [] }] }] }] }, message: /nest at most 3/, path: "conditions.0.conditions.0.conditions.0" },
  ];
  it.each(cases)("$name", ({ definition, message, path }) => {
    const parsed = segmentDefinitionSchema.safeParse(definition);
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues.find((i) => i.path.join(".") === path);
    expect(issue, JSON.stringify(parsed.error!.issues)).toBeDefined();
    expect(issue!.message).toMatch(message);
  });
});

describe("findContradictions", () => {
  const status = (op: "is" | "is_not", ...values: ("subscribed" | "unsubscribed" | "bounced" | "complained")[]): SegmentCondition => ({ type: "status", op, values });
  const cases: { name: string; conditions: SegmentCondition[]; paths: string[][] }[] = [
    { name: "status subscribed and bounced", conditions: [status("is", "subscribed"), { type: "tags", op: "any", tag_ids: [A] }, status("is", "bounced")], paths: [["conditions.0", "conditions.2"]] },
    { name: "status is and is not the same", conditions: [status("is", "subscribed"), status("is_not", "subscribed")], paths: [["conditions.0", "conditions.1"]] },
    { name: "status sets that overlap are fine", conditions: [status("is", "subscribed", "bounced"), status("is_not", "bounced")], paths: [] },
    { name: "a tag in all and none", conditions: [{ type: "tags", op: "all", tag_ids: [A, B] }, { type: "tags", op: "none", tag_ids: [B] }], paths: [["conditions.0", "conditions.1"]] },
    { name: "any of tags, all excluded", conditions: [{ type: "tags", op: "any", tag_ids: [A] }, { type: "tags", op: "none", tag_ids: [A, B] }], paths: [["conditions.0", "conditions.1"]] },
    { name: "any of tags, one excluded is fine", conditions: [{ type: "tags", op: "any", tag_ids: [A, B] }, { type: "tags", op: "none", tag_ids: [A] }], paths: [] },
    { name: "in a list and not in it", conditions: [{ type: "lists", op: "any", list_ids: [A] }, { type: "lists", op: "none", list_ids: [A] }], paths: [["conditions.0", "conditions.1"]] },
    { name: "through a form and not through it", conditions: [{ type: "form", op: "any", form_ids: [A] }, { type: "form", op: "none", form_ids: [A] }], paths: [["conditions.0", "conditions.1"]] },
    { name: "through either form, both excluded", conditions: [{ type: "form", op: "any", form_ids: [A, B] }, { type: "form", op: "none", form_ids: [A] }, { type: "form", op: "none", form_ids: [B], days: 30 }], paths: [] },
    { name: "through either form, both excluded for ever", conditions: [{ type: "form", op: "any", form_ids: [A, B], days: 7 }, { type: "form", op: "none", form_ids: [A] }, { type: "form", op: "none", form_ids: [B], days: 30 }], paths: [["conditions.0", "conditions.1", "conditions.2"]] },
    { name: "through a form in 30 days, not in the last 7: fine", conditions: [{ type: "form", op: "any", form_ids: [A], days: 30 }, { type: "form", op: "none", form_ids: [A], days: 7 }], paths: [] },
    { name: "through a form ever, not in the last 7: fine", conditions: [{ type: "form", op: "any", form_ids: [A] }, { type: "form", op: "none", form_ids: [A], days: 7 }], paths: [] },
    { name: "date range from after to", conditions: [{ type: "created", op: "between", from: "2025-03-01", to: "2025-02-01" }], paths: [["conditions.0"]] },
    { name: "two ranges that do not overlap", conditions: [{ type: "created", op: "between", from: "2025-01-01", to: "2025-01-31" }, { type: "created", op: "between", from: "2025-03-01", to: "2025-03-31" }], paths: [["conditions.0", "conditions.1"]] },
    { name: "never opened and opened", conditions: [{ type: "engagement", op: "never_opened" }, { type: "engagement", op: "clicked_within_days", days: 5 }], paths: [["conditions.0", "conditions.1"]] },
    { name: "field equals two values", conditions: [{ type: "field", key: "city", op: "equals", value: "Oslo" }, { type: "field", key: "city", op: "equals", value: "Rome" }], paths: [["conditions.0", "conditions.1"]] },
    { name: "field equals and not set", conditions: [{ type: "field", key: "city", op: "equals", value: "Oslo" }, { type: "field", key: "city", op: "is_not_set" }], paths: [["conditions.0", "conditions.1"]] },
    { name: "numbers > 10 and < 5", conditions: [{ type: "field", key: "n", op: "gt", value: 10 }, { type: "field", key: "n", op: "lt", value: 5 }], paths: [["conditions.0", "conditions.1"]] },
    { name: "numbers > 5 and <= 5", conditions: [{ type: "field", key: "n", op: "gt", value: 5 }, { type: "field", key: "n", op: "lte", value: 5 }], paths: [["conditions.0", "conditions.1"]] },
    { name: "numbers >= 5 and <= 5 is fine", conditions: [{ type: "field", key: "n", op: "gte", value: 5 }, { type: "field", key: "n", op: "lte", value: 5 }], paths: [] },
    { name: "dates after X and before the next day", conditions: [{ type: "field", key: "d", op: "after", value: "2025-01-01" }, { type: "field", key: "d", op: "before", value: "2025-01-02" }], paths: [["conditions.0", "conditions.1"]] },
  ];
  it.each(cases)("$name", ({ conditions, paths }) => {
    expect(findContradictions({ match: "all", conditions }).map((c) => c.paths)).toEqual(paths);
  });

  it("an any-group may hold conditions that exclude each other; nested all-groups are checked with their own paths", () => {
    expect(findContradictions({ match: "any", conditions: [status("is", "subscribed"), status("is", "bounced")] })).toEqual([]);
    const nested = findContradictions({ match: "any", conditions: [{ match: "all", conditions: [status("is", "subscribed"), status("is", "bounced")] }] });
    expect(nested.map((c) => c.paths)).toEqual([["conditions.0.conditions.0", "conditions.0.conditions.1"]]);
    expect(nested[0].message).toBe("conditions.0.conditions.0 (status is subscribed) and conditions.0.conditions.1 (status is bounced) cannot both hold");
  });
});
