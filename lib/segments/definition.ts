import { z } from "zod";
import { idField } from "@/lib/http/id";

/**
 * A segment's definition: a tree of conditions combined with `all` (and) or `any` (or). A group may
 * hold groups (at most MAX_DEPTH levels in all; the dashboard's builder edits one level).
 *
 *   { "match": "all", "conditions": [
 *       { "type": "tags", "op": "any", "tag_ids": ["…"] },
 *       { "type": "field", "key": "city", "op": "equals", "value": "Berlin" },
 *       { "type": "status", "op": "is_not", "values": ["unsubscribed"] },
 *       { "match": "any", "conditions": [
 *           { "type": "engagement", "op": "opened_within_days", "days": 30 },
 *           { "type": "created", "op": "within_last_days", "days": 7 },
 *           { "type": "form", "op": "any", "form_ids": ["…"], "days": 30 } ] } ] }
 *
 * A new condition type goes to `conditionSchema` here, to `compileCondition` (lib/segments/compile.ts),
 * to the brute-force twin (lib/segments/brute-force.ts), to validate.ts (ids that must exist,
 * contradictions) and to the builder (components/segments/draft.ts and condition-editor.tsx).
 */

export const CONTACT_STATUSES = ["subscribed", "unsubscribed", "bounced", "complained"] as const;
export const MAX_DEPTH = 3;
export const MAX_CONDITIONS = 50;
const MAX_DAYS = 36_500;

const ids = (what: string) => z.array(idField(`Not a ${what} id`), { error: `${what}_ids is a list of ${what} ids` }).min(1, `Choose at least one ${what}`).max(100);
const days = z.number({ error: "days is a whole number of days" }).int("days is a whole number of days").min(1, "days is at least 1").max(MAX_DAYS, `days is at most ${MAX_DAYS}`);
/** A calendar day, YYYY-MM-DD, that exists. */
export const isoDay = z
  .string({ error: "A date is written YYYY-MM-DD" })
  .regex(/^\d{4}-\d{2}-\d{2}$/, "A date is written YYYY-MM-DD")
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), "Not a calendar date");

export const isoInstant = z
  .string({ error: "A time is written YYYY-MM-DD or as an ISO 8601 date and time" })
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/, "A time is written YYYY-MM-DD or as an ISO 8601 date and time")
  .refine((v) => !Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)), "Not a valid time");

export const TEXT_FIELD_OPS = ["equals", "not_equals", "contains"] as const;
export const PRESENCE_FIELD_OPS = ["is_set", "is_not_set"] as const;
export const NUMBER_FIELD_OPS = ["gt", "gte", "lt", "lte"] as const;
export const DATE_FIELD_OPS = ["before", "after"] as const;

// The grammar of custom field names (lib/contacts/import-mapping.ts FIELD_NAME_PATTERN, not imported:
// lib/segments stays below lib/contacts, see sql-helpers.ts).
const fieldKey = z
  .string({ error: "key is a custom field name" })
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "Field names are letters, digits and underscores (up to 64), not starting with a digit");

const fieldCondition = z.discriminatedUnion(
  "op",
  [
    z.strictObject({ type: z.literal("field"), key: fieldKey, op: z.enum(TEXT_FIELD_OPS), value: z.string({ error: "value is text" }).max(2000) }),
    z.strictObject({ type: z.literal("field"), key: fieldKey, op: z.enum(PRESENCE_FIELD_OPS) }),
    z.strictObject({ type: z.literal("field"), key: fieldKey, op: z.enum(NUMBER_FIELD_OPS), value: z.number({ error: "value is a number" }).finite() }),
    z.strictObject({ type: z.literal("field"), key: fieldKey, op: z.enum(DATE_FIELD_OPS), value: isoDay }),
    z.strictObject({ type: z.literal("field"), key: fieldKey, op: z.literal("within_last_days"), days }),
  ],
  { error: "Unknown operator for a custom field (equals, not_equals, contains, is_set, is_not_set, gt, gte, lt, lte, before, after, within_last_days)" },
);

const conditionSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("lists"), op: z.enum(["any", "none"], { error: "any or none" }), list_ids: ids("list") }),
    z.strictObject({ type: z.literal("tags"), op: z.enum(["any", "all", "none"], { error: "any, all or none" }), tag_ids: ids("tag") }),
    fieldCondition,
    z.strictObject({
      type: z.literal("status"),
      op: z.enum(["is", "is_not"], { error: "is or is_not" }),
      values: z.array(z.enum(CONTACT_STATUSES, { error: `A status is one of ${CONTACT_STATUSES.join(", ")}` })).min(1, "Choose at least one status").max(4),
    }),
    z.discriminatedUnion(
      "op",
      [
        // Calendar days in UTC, both included.
        z.strictObject({ type: z.literal("created"), op: z.literal("between"), from: isoDay, to: isoDay }),
        z.strictObject({ type: z.literal("created"), op: z.literal("within_last_days"), days }),
        // An instant: a date (midnight UTC) or a date and time with its offset.
        z.strictObject({ type: z.literal("created"), op: z.literal("after"), value: isoInstant }),
        z.strictObject({ type: z.literal("created"), op: z.literal("before"), value: isoInstant }),
      ],
      { error: "between, within_last_days, after or before" },
    ),
    // Signed up through a form: a CONFIRMED signup (form_signups.confirmed_at; a form without double
    // opt-in confirms on submission) through any of the forms, or none of them; `days` (optional)
    // counts only confirmations in the last `days` days.
    z.strictObject({ type: z.literal("form"), op: z.enum(["any", "none"], { error: "any or none" }), form_ids: ids("form"), days: days.optional() }),
    z.discriminatedUnion(
      "op",
      [
        z.strictObject({ type: z.literal("engagement"), op: z.literal("opened_within_days"), days }),
        z.strictObject({ type: z.literal("engagement"), op: z.literal("clicked_within_days"), days }),
        z.strictObject({ type: z.literal("engagement"), op: z.literal("not_opened_within_days"), days }),
        z.strictObject({ type: z.literal("engagement"), op: z.literal("not_clicked_within_days"), days }),
        z.strictObject({ type: z.literal("engagement"), op: z.literal("never_opened") }),
      ],
      { error: "opened_within_days, clicked_within_days, not_opened_within_days, not_clicked_within_days or never_opened" },
    ),
  ],
  { error: "Unknown condition type (lists, tags, field, status, created, form, engagement)" },
);

export type SegmentCondition = z.infer<typeof conditionSchema>;
export type FieldCondition = z.infer<typeof fieldCondition>;
export type SegmentGroup = { match: "all" | "any"; conditions: SegmentNode[] };
export type SegmentNode = SegmentCondition | SegmentGroup;
export type SegmentDefinition = SegmentGroup;

export const isGroup = (node: SegmentNode): node is SegmentGroup => "match" in node;

const groupSchema: z.ZodType<SegmentGroup> = z.lazy(() =>
  z.strictObject({
    match: z.enum(["all", "any"], { error: "match: all or any" }),
    conditions: z.array(nodeSchema).max(MAX_CONDITIONS, `At most ${MAX_CONDITIONS} conditions in a group`),
  }),
);
// A group or a condition, told apart by `match`; each parsed by its own schema so an error names the
// condition's own field ("conditions.1.op: …"), not zod's "no union member matched".
const nodeSchema: z.ZodType<SegmentNode> = z.unknown().transform((value, ctx) => {
  const parsed = (typeof value === "object" && value !== null && "match" in value ? groupSchema : conditionSchema).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path as (string | number)[] });
  return z.NEVER;
}) as unknown as z.ZodType<SegmentNode>;

/** The definition as the API and the builder send it; depth and size checked here, meaning in validate.ts. */
export const segmentDefinitionSchema = groupSchema.superRefine((def, ctx) => {
  let count = 0;
  const walk = (group: SegmentGroup, depth: number, path: (string | number)[]) => {
    if (depth > MAX_DEPTH) ctx.addIssue({ code: "custom", path, message: `Groups nest at most ${MAX_DEPTH} levels deep` });
    group.conditions.forEach((node, i) => {
      count++;
      if (isGroup(node)) walk(node, depth + 1, [...path, "conditions", i]);
    });
  };
  walk(def, 1, []);
  if (count > MAX_CONDITIONS) ctx.addIssue({ code: "custom", path: ["conditions"], message: `At most ${MAX_CONDITIONS} conditions in a segment` });
});

export const segmentNameSchema = z.string({ error: "Name the segment" }).trim().min(1, "Name the segment").max(200, "Segment names are at most 200 characters");

export const segmentInputSchema = z.strictObject({ name: segmentNameSchema, definition: segmentDefinitionSchema });
export const segmentPatchSchema = segmentInputSchema.partial();

/** Every leaf condition with its path ("conditions.0.conditions.2"), for errors that name a condition. */
export function leaves(group: SegmentGroup, prefix = ""): { path: string; condition: SegmentCondition }[] {
  return group.conditions.flatMap((node, i) => {
    const path = `${prefix}conditions.${i}`;
    return isGroup(node) ? leaves(node, `${path}.`) : [{ path, condition: node }];
  });
}

/** A condition in words, for error messages ("status is bounced"). */
export function describeCondition(c: SegmentCondition): string {
  switch (c.type) {
    case "lists":
      return `${c.op === "any" ? "in" : "not in"} list ${c.list_ids.join(", ")}`;
    case "tags":
      return `has ${c.op} of tags ${c.tag_ids.join(", ")}`;
    case "status":
      return `status ${c.op === "is" ? "is" : "is not"} ${c.values.join(" or ")}`;
    case "created":
      return c.op === "between" ? `signed up between ${c.from} and ${c.to}` : c.op === "within_last_days" ? `signed up in the last ${c.days} days` : `signed up ${c.op} ${c.value}`;
    case "form":
      return `${c.op === "any" ? "" : "not "}signed up through form ${c.form_ids.join(" or ")}${c.days === undefined ? "" : ` in the last ${c.days} days`}`;
    case "engagement":
      if (c.op === "never_opened") return "never opened";
      return `${c.op.startsWith("not_") ? "did not " : ""}${c.op.includes("opened") ? "open" : "click"}${c.op.startsWith("not_") ? "" : "ed"} in the last ${c.days} days`;
    case "field":
      return "value" in c ? `${c.key} ${c.op.replaceAll("_", " ")} ${c.value}` : "days" in c ? `${c.key} within the last ${c.days} days` : `${c.key} ${c.op.replaceAll("_", " ")}`;
  }
}
