/**
 * `GET /messages/outbound`: Postmark's search with its paging limits. Query keys are matched
 * case-insensitively because postmark.js 5 sends camelCase (`fromDate`, `messageStream`) while the
 * docs spell them lowercase.
 */
import { searchMessage } from "./payloads";
import type { MessageStore } from "./store";
import type { SandboxMessage } from "./types";

export const MAX_COUNT = 500;
export const MAX_WINDOW = 10_000;

export type SearchResult =
  | { ok: true; body: { TotalCount: number; Messages: ReturnType<typeof searchMessage>[] } }
  | { ok: false; errorCode: number; message: string };

export function lowerCaseQuery(params: URLSearchParams): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of params) out.set(k.toLowerCase(), v);
  return out;
}

/** `YYYY-MM-DD` covers the whole day (UTC); a full timestamp is taken as is. */
function parseBound(value: string, end: boolean): number | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(start) ? null : end ? start + 86_400_000 - 1 : start;
  }
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

function fail(message: string, errorCode = 403): SearchResult {
  return { ok: false, errorCode, message };
}

function intParam(q: Map<string, string>, name: string): number | null {
  const raw = q.get(name);
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return null;
  return Number(raw);
}

export function searchOutbound(store: MessageStore, params: URLSearchParams): SearchResult {
  const q = lowerCaseQuery(params);
  const count = intParam(q, "count");
  const offset = intParam(q, "offset");
  if (count === null) return fail("The 'count' parameter is required and must be a whole number.");
  if (offset === null) return fail("The 'offset' parameter is required and must be a whole number.");
  if (count < 1 || count > MAX_COUNT) return fail(`The 'count' parameter must be between 1 and ${MAX_COUNT}.`);
  if (count + offset > MAX_WINDOW) return fail(`The sum of 'count' and 'offset' must not exceed ${MAX_WINDOW}.`);

  const filters: ((m: SandboxMessage) => boolean)[] = [];
  const recipient = q.get("recipient")?.trim().toLowerCase();
  if (recipient) filters.push((m) => m.recipients.some((r) => r.toLowerCase() === recipient));
  const fromEmail = q.get("fromemail")?.trim().toLowerCase();
  if (fromEmail) filters.push((m) => m.from.toLowerCase().includes(fromEmail));
  const tag = q.get("tag");
  if (tag) filters.push((m) => m.tag === tag);
  const subject = q.get("subject")?.toLowerCase();
  if (subject) filters.push((m) => m.subject.toLowerCase().includes(subject));
  const stream = q.get("messagestream");
  if (stream) filters.push((m) => m.stream === stream);
  const status = q.get("status")?.toLowerCase();
  if (status) {
    // The sandbox "sends" at once, so nothing is ever queued; processed is documented to equal sent.
    if (status === "queued") filters.push(() => false);
    else if (status !== "sent" && status !== "processed") return fail(`Unknown status '${status}'.`);
  }
  for (const [name, end] of [["fromdate", false], ["todate", true]] as const) {
    const raw = q.get(name);
    if (!raw) continue;
    const bound = parseBound(raw, end);
    if (bound === null) return fail(`The '${name}' parameter is not a valid date.`);
    filters.push(end ? (m) => Date.parse(m.submittedAt) <= bound : (m) => Date.parse(m.submittedAt) >= bound);
  }

  // Start from the narrowest index, then check every filter on each candidate.
  let candidates: SandboxMessage[] = store.all();
  for (const [k, v] of q) {
    if (!k.startsWith("metadata_") || k.length === "metadata_".length) continue;
    const key = k.slice("metadata_".length);
    const list = store.forMetadata(key, v);
    if (list.length < candidates.length) candidates = list;
    filters.push((m) => Object.entries(m.metadata).some(([mk, mv]) => mk.toLowerCase() === key && mv === v));
  }
  if (recipient) {
    const list = store.forRecipient(recipient);
    if (list.length < candidates.length) candidates = list;
  }

  const page: SandboxMessage[] = [];
  let total = 0;
  // Lists are in acceptance order; Postmark answers newest first.
  for (let i = candidates.length - 1; i >= 0; i--) {
    const m = candidates[i];
    if (!filters.every((f) => f(m))) continue;
    if (total >= offset && page.length < count) page.push(m);
    total++;
  }
  return { ok: true, body: { TotalCount: total, Messages: page.map(searchMessage) } };
}
