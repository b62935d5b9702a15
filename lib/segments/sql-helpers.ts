import { parseId } from "@/lib/http/id";

// A small twin of lib/messages/queries.ts's cursor (whose value may be null): lib/campaigns builds
// audiences from lib/segments, and lib/messages reaches lib/campaigns, so lib/segments does not import
// it (lib/architecture.test.ts refuses folder cycles).

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
