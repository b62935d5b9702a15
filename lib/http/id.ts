import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { notFound } from "@/lib/errors";

/**
 * The one id grammar: every id Postline hands out is a PostgreSQL uuid, written 8-4-4-4-12 hex digits.
 * An id from a path, a form or a body is checked here before it reaches a query, so a malformed one
 * (36 dashes match the loose `[0-9a-f-]{36}`) is an unknown id, 404 on a page or in the API, never a
 * PostgreSQL cast error and a 500. Any version and variant are accepted: the database decides whether
 * the row exists.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The id in its canonical (lower-case) form, or null when the value is not an id. */
export function parseId(value: unknown): string | null {
  return typeof value === "string" && UUID.test(value) ? value.toLowerCase() : null;
}

/** The same grammar as a schema field (bodies, forms), with the message a caller sees. */
export function idField(message = "Not a valid id") {
  return z.string().regex(UUID, message).transform((v) => v.toLowerCase());
}

/** An id from a URL path: the id, or a 404 `not_found` naming what was asked for (a malformed id is an unknown one). */
export function pathId(value: string, what: string): string {
  const id = parseId(value);
  if (!id) throw notFound(what);
  return id;
}

/** A numeric id from a URL path (a bigint serial, such as a delivery's): a positive integer, or 404. */
export function pathSerial(value: string, what: string): number {
  const n = /^[1-9][0-9]{0,14}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw notFound(what);
  return n;
}

/**
 * Ids as one `uuid[]` parameter (drizzle would spread a JS array into a list of parameters). A value
 * that is not an id is left out: like an id that names nothing, it matches no row.
 */
export function uuidArray(ids: readonly string[]): SQL {
  const valid = [...new Set(ids.map(parseId).filter((id): id is string => id !== null))];
  return sql`${`{${valid.join(",")}}`}::uuid[]`;
}
