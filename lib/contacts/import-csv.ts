import { isUtf8 } from "node:buffer";
import { parse } from "csv-parse/sync";
import type { Db, DbOrTx } from "@/db";
import { AppError } from "@/lib/errors";
import { idField } from "@/lib/http/id";
import { emailSchema, getListOrThrow, upsertContacts, type UpsertRow } from "./contacts";
import { TAG_NAME_MAX, resolveTags, tagContactsByEmail } from "./tags";
import { headerMapping, MappingError, parseMapping, resolveMapping, type ImportMapping, type ResolvedMapping } from "./import-mapping";

export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 100_000;
const CHUNK = 1000;

/** Why a row was skipped, for a caller that groups or filters them (the text is in `reason`). */
export type SkipCode = "invalid_encoding" | "invalid_email" | "missing_email" | "duplicate" | "too_long";

export interface ImportReport {
  totalRows: number;
  created: number;
  updated: number;
  /** Rows left out, each with its row number in the file (the header is row 1) and why. */
  refused: { row: number; email: string; reason: string; code: SkipCode }[];
}

export interface ImportProgress {
  phase: "validating" | "writing" | "done";
  processed: number;
  total: number;
}

export interface ParseOptions {
  /** Which column is what; without one, the header decides (see `headerMapping`). */
  mapping?: ImportMapping;
  /** Refuse the whole file when any byte is not UTF-8 (the old behaviour); by default such rows are skipped. */
  strictEncoding?: boolean;
}

/** One contact to write, with its row number for the report, and the tags a tags column gives it. */
export type ImportRow = UpsertRow & { line: number; tags?: string[] };

export interface ParsedImport {
  rows: ImportRow[];
  refused: ImportReport["refused"];
  totalRows: number;
}

const NOT_UTF8 = "Not UTF-8: the row has bytes of another encoding (save the file as \"CSV UTF-8\")";

/**
 * Checks a whole CSV before anything is written: size, encoding, the header and the mapping, then each
 * row. Rows that fail are reported with their row number and reason; the rest are returned for writing.
 * A row whose bytes are not UTF-8 is one such row, unless `strictEncoding` asks for the whole file to be
 * refused. A file that cannot be read at all is refused whole with an AppError.
 */
export function parseContactsCsv(bytes: Uint8Array, options: ParseOptions = {}): ParsedImport {
  if (bytes.byteLength > MAX_IMPORT_BYTES) {
    throw new AppError("file_too_large", `CSV files are limited to ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split the file and import the parts`);
  }
  // The common case costs one native check; only a file with bad bytes is looked at more closely.
  const utf8 = isUtf8(bytes);
  if (!utf8 && options.strictEncoding) {
    throw new AppError("invalid_encoding", `The file is not valid UTF-8 (first bad byte on line ${firstNonUtf8Line(bytes)}). Save it as "CSV UTF-8" and try again.`);
  }
  // Not fatal: each byte that is not UTF-8 becomes U+FFFD, which marks its row below.
  const text = new TextDecoder("utf-8", { ignoreBOM: false }).decode(bytes);
  if (text.includes("\u0000")) throw new AppError("invalid_encoding", "The file contains NUL bytes: it looks binary, not CSV");

  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, trim: true, bom: true }) as string[][];
  } catch (error) {
    throw new AppError("invalid_csv", `The CSV could not be read: ${(error as Error).message}`);
  }
  if (records.length === 0) throw new AppError("empty_file", "The file is empty");
  const header = records[0].map((h) => h.trim());
  const dataRows = records.length - 1;
  if (dataRows > MAX_IMPORT_ROWS) throw new AppError("too_many_rows", `Imports are limited to ${MAX_IMPORT_ROWS.toLocaleString("en")} rows`);
  const columns = resolveColumns(header, options.mapping);

  const rows: ImportRow[] = [];
  const refused: ImportReport["refused"] = [];
  const seen = new Map<string, number>();
  for (let r = 1; r < records.length; r++) {
    const record = records[r];
    const line = r + 1;
    const rawEmail = record[columns.emailIndex] ?? "";
    // A replacement character stands where the file had bytes that are not UTF-8: the row's text is not
    // what was meant, so nothing of it is written. (A file that is all UTF-8 is not searched: a U+FFFD it
    // spells out itself is data.) The header is read as decoded: the page shows it and the column is renameable.
    if (!utf8 && record.some((v) => v.includes("\uFFFD"))) {
      refused.push({ row: line, email: rawEmail.slice(0, 320), reason: NOT_UTF8, code: "invalid_encoding" });
      continue;
    }
    const email = emailSchema.safeParse(rawEmail);
    if (!email.success) {
      refused.push(rawEmail ? { row: line, email: rawEmail.slice(0, 320), reason: "Not a valid email address", code: "invalid_email" } : { row: line, email: "", reason: "No email address", code: "missing_email" });
      continue;
    }
    const key = email.data.toLowerCase();
    if (seen.has(key)) {
      refused.push({ row: line, email: email.data, reason: `Duplicate of row ${seen.get(key)}`, code: "duplicate" });
      continue;
    }
    const name = columns.nameIndexes.length === 1 ? (record[columns.nameIndexes[0]] ?? "") : columns.nameIndexes.map((i) => record[i] ?? "").filter(Boolean).join(" ");
    if (name.length > 200) {
      refused.push({ row: line, email: email.data, reason: "Name longer than 200 characters", code: "too_long" });
      continue;
    }
    const fields: Record<string, string> = {};
    let tooLong = false;
    for (const { i, name: field } of columns.fieldColumns) {
      const value = record[i];
      if (value === undefined || value === "") continue;
      if (value.length > 2000) tooLong = true;
      fields[field] = value;
    }
    if (tooLong) {
      refused.push({ row: line, email: email.data, reason: "A field value is longer than 2,000 characters", code: "too_long" });
      continue;
    }
    const tags = columns.tagIndexes.length ? columns.tagIndexes.flatMap((i) => splitTags(record[i] ?? "")) : [];
    if (tags.some((t) => t.length > TAG_NAME_MAX)) {
      refused.push({ row: line, email: email.data, reason: `A tag name is longer than ${TAG_NAME_MAX} characters`, code: "too_long" });
      continue;
    }
    seen.set(key, line);
    const row: ImportRow = { email: email.data, name, fields, line };
    if (tags.length) row.tags = tags;
    rows.push(row);
  }
  return { rows, refused, totalRows: dataRows };
}

function resolveColumns(header: string[], mapping: ImportMapping | undefined): ResolvedMapping {
  const chosen = mapping ?? headerMapping(header);
  if (!mapping && !chosen.some((c) => c.role === "email")) {
    throw new AppError("missing_email_column", "The first row must be a header with an 'email' column");
  }
  try {
    return resolveMapping(chosen, header.length);
  } catch (error) {
    if (error instanceof MappingError) throw new AppError("invalid_mapping", error.message);
    throw error;
  }
}

/** Lower-case tag name → tag id for every tag the rows name, missing tags created. */
async function resolveImportTags(tx: DbOrTx, rows: ImportRow[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const r of rows) for (const t of r.tags ?? []) if (!names.has(t.toLowerCase())) names.set(t.toLowerCase(), t);
  if (names.size === 0) return new Map();
  const tags = await resolveTags(tx, { names: [...names.values()], createMissing: true });
  return new Map(tags.map((t) => [t.name.toLowerCase(), t.id]));
}

/** Tags in one cell: comma- or semicolon-separated, trimmed, empty ones dropped. */
export function splitTags(cell: string): string[] {
  return cell.split(/[,;]/).map((t) => t.trim()).filter(Boolean);
}

function firstNonUtf8Line(bytes: Uint8Array): number {
  let line = 1;
  for (let start = 0; start <= bytes.length; line++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    if (!isUtf8(bytes.subarray(start, end))) return line;
    start = end + 1;
  }
  return line;
}

/**
 * What both import routes read from their query string: `list_id`, `mapping` (see import-mapping.ts) and
 * `strict_encoding` (`true` refuses a file with any byte that is not UTF-8, as the import once always did).
 * Throws AppError `validation_failed` or `invalid_mapping` naming the parameter.
 */
export function readImportQuery(params: URLSearchParams): { listId?: string; mapping?: ImportMapping; strictEncoding: boolean } {
  const listId = idField("Unknown list").optional().safeParse(params.get("list_id") || undefined);
  if (!listId.success) throw new AppError("validation_failed", "list_id: Unknown list");
  const strict = (params.get("strict_encoding") ?? "false").toLowerCase();
  if (!["true", "false", "1", "0"].includes(strict)) throw new AppError("validation_failed", "strict_encoding: true or false");
  const rawMapping = params.get("mapping");
  let mapping: ImportMapping | undefined;
  try {
    mapping = rawMapping ? parseMapping(rawMapping) : undefined;
  } catch (error) {
    if (error instanceof MappingError) throw new AppError("invalid_mapping", `mapping: ${error.message}`);
    throw error;
  }
  return { listId: listId.data, mapping, strictEncoding: strict === "true" || strict === "1" };
}

/** Media types an import body may declare; anything else (JSON, a form, a multipart upload) is a 415. */
const CSV_MEDIA_TYPES = ["text/csv", "application/csv", "text/plain"];

/**
 * Refuses a body that does not say it is CSV before reading it: a JSON or form body sent to the import
 * by mistake would otherwise be parsed as CSV (and a header-less file only refused by luck).
 */
export function assertCsvContentType(contentType: string | null): void {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (!CSV_MEDIA_TYPES.includes(type)) {
    throw new AppError("unsupported_content_type", `Send the file as the body with Content-Type: text/csv (got ${type ? type.slice(0, 100) : "none"})`);
  }
}

type ImportOptions = ParseOptions & { listId?: string; onProgress?: (p: ImportProgress) => void | Promise<void>; now?: Date };

/**
 * Imports contacts from CSV into an optional list. Everything valid is written in one transaction, so a
 * failure part-way (a database restart) leaves nothing half-imported; refused rows are reported.
 */
export async function importContactsCsv(db: Db, bytes: Uint8Array, options: ImportOptions = {}): Promise<ImportReport> {
  return writeContactsImport(db, parseContactsCsv(bytes, options), options);
}

/** The writing half of an import, for a caller that parsed first (to answer a bad file with its status). */
export async function writeContactsImport(db: Db, parsed: ParsedImport, options: Pick<ImportOptions, "listId" | "onProgress" | "now"> = {}): Promise<ImportReport> {
  const { rows, refused, totalRows } = parsed;
  const now = options.now ?? new Date();
  await options.onProgress?.({ phase: "validating", processed: totalRows, total: totalRows });
  let created = 0;
  let updated = 0;
  await db.transaction(async (tx) => {
    if (options.listId) await getListOrThrow(tx, options.listId);
    // The file's tags, found or created once for the whole import (one spelling per name, the first met).
    const tagIdByName = await resolveImportTags(tx, rows);
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const result = await upsertContacts(tx, { rows: chunk, listIds: options.listId ? [options.listId] : [] });
      created += result.created;
      updated += result.updated;
      if (tagIdByName.size) {
        // One statement per chunk, whatever its number of rows and tags (announcing Contact.Tagged with it).
        const pairs = chunk.flatMap((r) => [...new Set((r.tags ?? []).map((t) => tagIdByName.get(t.toLowerCase())!))].map((tagId) => ({ email: r.email, tagId })));
        await tagContactsByEmail(tx, { pairs }, now);
      }
      await options.onProgress?.({ phase: "writing", processed: Math.min(i + CHUNK, rows.length), total: rows.length });
    }
  });
  await options.onProgress?.({ phase: "done", processed: rows.length, total: rows.length });
  return { totalRows, created, updated, refused };
}
