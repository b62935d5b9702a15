import { sql, type SQL } from "drizzle-orm";
import { parseId } from "@/lib/http/id";

// Small twins of lib/contacts/id-array.ts and lib/messages/queries.ts's cursor: lib/campaigns builds
// audiences from lib/segments, and lib/contacts and lib/messages reach lib/campaigns, so lib/segments
// imports neither (lib/architecture.test.ts refuses folder cycles).

/** Ids as one `uuid[]` parameter; a value that is not an id is left out (it would match nothing). */
export function idArray(ids: readonly string[]): SQL {
  const valid = [...new Set(ids.map(parseId).filter((id): id is string => id !== null))];
  return sql`${`{${valid.join(",")}}`}::uuid[]`;
}

/** A keyset cursor (created_at text to the microsecond, id), opaque to callers. */
export function encodeCursor(c: { v: string; id: string }): string {
  return Buffer.from(JSON.stringify([c.v, c.id])).toString("base64url");
}

export function decodeCursor(text: string | undefined | null): { v: string; id: string } | null {
  if (!text) return null;
  try {
    const [v, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as [unknown, unknown];
    return typeof v === "string" && parseId(id) && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(v) ? { v, id: parseId(id)! } : null;
  } catch {
    return null;
  }
}
