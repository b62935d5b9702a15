import { sql, type SQL } from "drizzle-orm";
import { parseId } from "@/lib/http/id";

/**
 * Ids as one `uuid[]` parameter (drizzle would spread a JS array into a list of parameters). A value
 * that is not an id is left out: like an id that names nothing, it matches no row.
 */
export function uuidArray(ids: readonly string[]): SQL {
  const valid = [...new Set(ids.map(parseId).filter((id): id is string => id !== null))];
  return sql`${`{${valid.join(",")}}`}::uuid[]`;
}
