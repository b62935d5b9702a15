import { sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db";
import { AppError } from "@/lib/errors";
import { parseId } from "@/lib/http/id";
import { segmentDefinitionSchema, type SegmentDefinition } from "./definition";

/**
 * The segment filter shape of the shared contract (../shared/ARCHITECTURE.md, "Shapes the black-box
 * tests rely on"): conditions `{ "field", "op", "value" }` with fields `list`, `tag`, `form` (by id or name),
 * `status`, `fields.<name>`, `created_at`, `opened_within_days`, `clicked_within_days` and ops
 * `is`, `is_not`, `has`, `has_not`, `contains`, `exists`, `gt`, `lt`. Each is rewritten here into the
 * native condition (definition.ts, `type`) before validation, names of lists, tags and forms resolved to ids,
 * so one compiler serves both and a segment is stored in the native shape only. Form names need not be
 * unique: a name stands for every form so named.
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

type Names = { lists: Map<string, string[]>; tags: Map<string, string[]>; forms: Map<string, string[]> };

function convert(c: Raw, path: (string | number)[], names: Names): Raw {
  const field = String(c.field);
  const op = String(c.op ?? "is");
  const value = c.value;
  const polarity = (allowed = [...POSITIVE, ...NEGATIVE]) => {
    if (!allowed.includes(op)) throw new ShapeError([...path, "op"], `Unknown operator "${op}" for ${field} (${allowed.join(", ")})`);
    return POSITIVE.includes(op);
  };
  if (field === "list" || field === "tag" || field === "form") {
    const positive = polarity();
    const map = { list: names.lists, tag: names.tags, form: names.forms }[field];
    // An unknown name was refused by resolveNames; a value that is neither stays, for the schema to refuse.
    const ids = [...new Set(asList(value, path).flatMap((v) => (parseId(v) ? [parseId(v)!] : (map.get(v.trim().toLowerCase()) ?? [v]))))];
    const op = positive ? "any" : "none";
    if (field === "form") return { type: "form", op, form_ids: ids };
    return field === "list" ? { type: "lists", op, list_ids: ids } : { type: "tags", op, tag_ids: ids };
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
  throw new ShapeError([...path, "field"], `Unknown field "${field}" (list, tag, form, status, fields.<name>, created_at, opened_within_days, clicked_within_days)`);
}

const NAMED = { list: "lists", tag: "tags", form: "forms" } as const;
type Named = keyof typeof NAMED;

/** Names of lists, tags and forms used in `{ field: "list" | "tag" | "form" }` conditions, resolved to ids in one query each. */
async function resolveNames(db: DbOrTx, raw: unknown): Promise<Names> {
  const wanted: Record<Named, Set<string>> = { list: new Set(), tag: new Set(), form: new Set() };
  const walk = (node: unknown) => {
    if (!isObject(node)) return;
    if (Array.isArray(node.conditions)) node.conditions.forEach(walk);
    if (typeof node.field === "string" && node.field in NAMED && node.type === undefined) {
      for (const v of Array.isArray(node.value) ? node.value : [node.value]) if (typeof v === "string" && !parseId(v)) wanted[node.field as Named].add(v.trim().toLowerCase());
    }
  };
  walk(raw);
  const lookup = async (field: Named) => {
    const names = wanted[field];
    const found = new Map<string, string[]>();
    if (names.size === 0) return found;
    const array = `{${[...names].map((n) => `"${n.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
    const rows = await db.execute<{ id: string; name: string }>(sql`select id, lower(name) as name from ${sql.identifier(NAMED[field])} where lower(name) = any(${array}::text[]) order by id`);
    for (const r of rows.rows) found.set(r.name, [...(found.get(r.name) ?? []), r.id]);
    const missing = [...names].filter((n) => !found.has(n));
    if (missing.length) throw new AppError(`unknown_${field}`, `Unknown ${field}: ${missing.map((n) => `"${n}"`).join(", ")}`);
    return found;
  };
  return { lists: await lookup("list"), tags: await lookup("tag"), forms: await lookup("form") };
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
