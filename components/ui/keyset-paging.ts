import type { DataTablePaging } from "@/components/ui/data-table";

/**
 * Paging links for a keyset-paged list. A keyset cursor only leads forward, so the URL also carries
 * the cursors of the pages before this one (`trail`), which makes "Previous" a plain link that needs
 * no backward query. The trail keeps the last TRAIL_MAX cursors, so a URL stays far below header size
 * limits; past that depth "Previous" eventually lands on the first page.
 */

const TRAIL_MAX = 40;
const TRAIL_SEPARATOR = ".";
/** Cursors are base64url text or integers: nothing that needs escaping, never the separator. */
const CURSOR = /^[A-Za-z0-9_-]{1,500}$/;

export function parseCursor(value: string | string[] | undefined): string | null {
  return typeof value === "string" && CURSOR.test(value) ? value : null;
}

export function parseTrail(value: string | string[] | undefined): string[] {
  if (typeof value !== "string" || !value) return [];
  const parts = value.split(TRAIL_SEPARATOR);
  return parts.length <= TRAIL_MAX && parts.every((p) => CURSOR.test(p)) ? parts : [];
}

export interface KeysetInput {
  /** The page's path, e.g. "/messages". */
  path: string;
  /** The view every link keeps: filters, search, sort. Empty values are left out. */
  params: Record<string, string | null | undefined>;
  /** The page's cursor parameter: "after" or "before". */
  cursorParam: string;
  /** This page's cursor, null on the first page. */
  cursor: string | null;
  /** The cursors of the pages before this one, from `parseTrail`. */
  trail: string[];
  /** The query's cursor for the page after this one, null on the last page. */
  next: string | null;
}

export function keysetPaging({ path, params, cursorParam, cursor, trail, next }: KeysetInput): DataTablePaging {
  const href = (at: string | null, before: string[]) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
    if (at) query.set(cursorParam, at);
    if (at && before.length) query.set("trail", before.join(TRAIL_SEPARATOR));
    const qs = query.toString();
    return qs ? `${path}?${qs}` : path;
  };
  const first = href(null, []);
  return {
    first: cursor ? first : null,
    previous: cursor ? (trail.length ? href(trail[trail.length - 1], trail.slice(0, -1)) : first) : null,
    next: next ? href(next, cursor ? [...trail, cursor].slice(-TRAIL_MAX) : []) : null,
  };
}
