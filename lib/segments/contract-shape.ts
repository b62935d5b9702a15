import { sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db";
import { AppError } from "@/lib/errors";
import { parseId } from "@/lib/http/id";
import { segmentDefinitionSchema, type SegmentDefinition } from "./definition";

/**
 * The segment filter shape of the shared contract (../shared/ARCHITECTURE.md, "Shapes the black-box
 * tests rely on"): conditions `{ "field", "op", "value" }` with fields `list`, `tag` (by id or name),
 * `status`, `fields.<name>`, `created_at`, `form`, `opened_within_days`, `clicked_within_days` and ops
 * `is`, `is_not`, `has`, `has_not`, `contains`, `exists`, `gt`, `lt`. Each is rewritten here into the
 * native condition (definition.ts, `type`) before validation, names of lists and tags resolved to ids,
 * so one compiler serves both and a segment is stored in the native shape only.
 */

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);
const POSITIVE = ["is", "has"];
const NEGATIVE = ["is_not", "has_not"];

class ShapeError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

const asList = (value: unknown, path: (string | number)[]): string[] => {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || !values.every((v) => typeof v === "string" && v.trim() !== "")) throw new ShapeError([...path, "value"], "value is an id or a name, or a list of them");
  return values as string[];
};

function convert(c: Raw, path: (string | number)[], names: { lists: Map<string, string>; tags: Map<string, string> }): Raw {
  const field = String(c.field);
  const op = String(c.op ?? "is");
  const value = c.value;
  const polarity = (allowed = [...POSITIVE, ...NEGATIVE]) => {
    if (!allowed.includes(op)) throw new ShapeError([...path, "op"], `Unknown operator "${op}" for ${field} (${allowed.join(", ")})`);
    return POSITIVE.includes(op);
  };
  if (field === "list" || field === "tag") {
    const positive = polarity();
    const map = field === "list" ? names.lists : names.tags;
    const ids = asList(value, path).map((v) => parseId(v) ?? map.get(v.trim().toLowerCase()) ?? v);
    return field === "list" ? { type: "lists", op: positive ? "any" : "none", list_ids: ids } : { type: "tags", op: positive ? "any" : "none", tag_ids: ids };
  }
  if (field === "status") return { type: "status", op: polarity(["is", "is_not"]) ? "is" : "is_not", values: Array.isArray(value) ? value : [value] };
  if (field === "opened_within_days" || field === "clicked_within_days") {
    const positive = polarity();
    return { type: "engagement", op: `${positive ? "" : "not_"}${field}`, days: value };
  }
  if (field === "created_at") {
    if (op !== "gt" && op !== "lt") throw new ShapeError([...path, "op"], 'Unknown operator for created_at ("gt" or "lt" with a date or time)');
    return { type: "created", op: op === "gt" ? "after" : "before", value };
  }
  if (field === "form") throw new ShapeError([...path, "field"], "Form conditions come with signup forms: not available yet");
  if (field.startsWith("fields.")) {
    const key = field.slice("fields.".length);
    switch (op) {
      case "is":
      case "is_not":
        return { type: "field", key, op: op === "is" ? "equals" : "not_equals", value: typeof value === "number" ? String(value) : value };
      case "contains":
        return { type: "field", key, op: "contains", value };
      case "exists":
      case "has":
      case "has_not":
        return { type: "field", key, op: (op === "exists" && value !== false) || op === "has" ? "is_set" : "is_not_set" };
      case "gt":
      case "lt": {
        // A date compares as a date, anything else as a number ("12" too).
        if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return { type: "field", key, op: op === "gt" ? "after" : "before", value };
        const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
        return { type: "field", key, op, value: n };
      }
      default:
        throw new ShapeError([...path, "op"], `Unknown operator "${op}" for a custom field`);
    }
  }
  throw new ShapeError([...path, "field"], `Unknown field "${field}" (list, tag, status, fields.<name>, created_at, opened_within_days, clicked_within_days)`);
}

/** Names of lists and tags used in `{ field: "list" | "tag" }` conditions, resolved to ids in one query each. */
async function resolveNames(db: DbOrTx, raw: unknown) {
  const wanted = { list: new Set<string>(), tag: new Set<string>() };
  const walk = (node: unknown) => {
    if (!isObject(node)) return;
    if (Array.isArray(node.conditions)) node.conditions.forEach(walk);
    if ((node.field === "list" || node.field === "tag") && node.type === undefined) {
      for (const v of Array.isArray(node.value) ? node.value : [node.value]) if (typeof v === "string" && !parseId(v)) wanted[node.field].add(v.trim().toLowerCase());
    }
  };
  walk(raw);
  const lookup = async (table: "lists" | "tags", names: Set<string>) => {
    if (names.size === 0) return new Map<string, string>();
    const array = `{${[...names].map((n) => `"${n.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
    const rows = await db.execute<{ id: string; name: string }>(sql`select id, lower(name) as name from ${sql.identifier(table)} where lower(name) = any(${array}::text[])`);
    const found = new Map(rows.rows.map((r) => [r.name, r.id]));
    const missing = [...names].filter((n) => !found.has(n));
    if (missing.length) throw new AppError(table === "lists" ? "unknown_list" : "unknown_tag", `Unknown ${table.slice(0, -1)}: ${missing.map((n) => `"${n}"`).join(", ")}`);
    return found;
  };
  return { lists: await lookup("lists", wanted.list), tags: await lookup("tags", wanted.tag) };
}

/**
 * A definition as a caller sent it (native or contract shape, or a mix) as the native definition, or a
 * ZodError whose paths start with `prefix` (`definition.conditions.1.op`), answered 422 like any schema
 * failure. Meaning (unknown ids, fields, contradictions) is checked later, by validate.ts.
 */
export async function parseSegmentDefinition(db: DbOrTx, raw: unknown, prefix: (string | number)[] = []): Promise<SegmentDefinition> {
  const names = await resolveNames(db, raw);
  let native: unknown;
  try {
    const rewrite = (node: unknown, path: (string | number)[]): unknown => {
      if (!isObject(node)) return node;
      if (Array.isArray(node.conditions)) return { ...node, conditions: node.conditions.map((n, i) => rewrite(n, [...path, "conditions", i])) };
      return "field" in node && !("type" in node) ? convert(node, path, names) : node;
    };
    native = rewrite(raw, []);
  } catch (error) {
    if (error instanceof ShapeError) throw new z.ZodError([{ code: "custom", path: [...prefix, ...error.path], message: error.message, input: undefined }]);
    throw error;
  }
  const parsed = segmentDefinitionSchema.safeParse(native);
  if (parsed.success) return parsed.data;
  throw new z.ZodError(parsed.error.issues.map((i) => ({ ...i, path: [...prefix, ...i.path] })));
}
