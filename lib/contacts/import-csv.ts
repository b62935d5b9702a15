import { parse } from "csv-parse/sync";
import type { Db } from "@/db";
import { AppError } from "@/lib/errors";
import { emailSchema, fieldNameSchema, getListOrThrow, upsertContacts, type UpsertRow } from "./contacts";

export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 100_000;
const CHUNK = 1000;

export interface ImportReport {
  totalRows: number;
  created: number;
  updated: number;
  refused: { row: number; email: string; reason: string }[];
}

export interface ImportProgress {
  phase: "validating" | "writing" | "done";
  processed: number;
  total: number;
}

function toFieldName(header: string): string {
  return header.trim().replace(/[^A-Za-z0-9_]+/g, "_").replace(/^(\d)/, "_$1").slice(0, 64);
}

/**
 * Checks a whole CSV before anything is written: size, encoding (strict UTF-8), a header with an
 * `email` column, then each row. Rows that fail are reported with their line and reason; the rest
 * are returned for writing. A file that cannot be read at all is refused whole with an AppError.
 */
export function parseContactsCsv(bytes: Uint8Array): { rows: (UpsertRow & { line: number })[]; refused: ImportReport["refused"]; totalRows: number } {
  if (bytes.byteLength > MAX_IMPORT_BYTES) {
    throw new AppError("file_too_large", `CSV files are limited to ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split the file and import the parts`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const badAt = firstInvalidUtf8Line(bytes);
    throw new AppError("invalid_encoding", `The file is not valid UTF-8 (first bad byte on line ${badAt}). Save it as "CSV UTF-8" and try again.`);
  }
  if (text.includes("\u0000")) throw new AppError("invalid_encoding", "The file contains NUL bytes: it looks binary, not CSV");

  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, trim: true, bom: true }) as string[][];
  } catch (error) {
    throw new AppError("invalid_csv", `The CSV could not be read: ${(error as Error).message}`);
  }
  if (records.length === 0) throw new AppError("empty_file", "The file is empty");
  const header = records[0].map((h) => h.trim());
  const emailIndex = header.findIndex((h) => h.toLowerCase() === "email" || h.toLowerCase() === "email address");
  if (emailIndex < 0) throw new AppError("missing_email_column", "The first row must be a header with an 'email' column");
  const nameIndex = header.findIndex((h) => h.toLowerCase() === "name");
  const fieldColumns = header
    .map((h, i) => ({ i, name: toFieldName(h) }))
    .filter(({ i, name }) => i !== emailIndex && i !== nameIndex && fieldNameSchema.safeParse(name).success);
  const dataRows = records.length - 1;
  if (dataRows > MAX_IMPORT_ROWS) throw new AppError("too_many_rows", `Imports are limited to ${MAX_IMPORT_ROWS.toLocaleString("en")} rows`);

  const rows: (UpsertRow & { line: number })[] = [];
  const refused: ImportReport["refused"] = [];
  const seen = new Map<string, number>();
  for (let r = 1; r < records.length; r++) {
    const record = records[r];
    const line = r + 1;
    const rawEmail = record[emailIndex] ?? "";
    const email = emailSchema.safeParse(rawEmail);
    if (!email.success) {
      refused.push({ row: line, email: rawEmail.slice(0, 320), reason: rawEmail ? "Not a valid email address" : "No email address" });
      continue;
    }
    const key = email.data.toLowerCase();
    if (seen.has(key)) {
      refused.push({ row: line, email: email.data, reason: `Duplicate of line ${seen.get(key)}` });
      continue;
    }
    const name = nameIndex >= 0 ? (record[nameIndex] ?? "") : "";
    if (name.length > 200) {
      refused.push({ row: line, email: email.data, reason: "Name longer than 200 characters" });
      continue;
    }
    const fields: Record<string, string> = {};
    let tooLong = false;
    for (const { i, name: field } of fieldColumns) {
      const value = record[i];
      if (value === undefined || value === "") continue;
      if (value.length > 2000) tooLong = true;
      fields[field] = value;
    }
    if (tooLong) {
      refused.push({ row: line, email: email.data, reason: "A field value is longer than 2,000 characters" });
      continue;
    }
    seen.set(key, line);
    rows.push({ email: email.data, name, fields, line });
  }
  return { rows, refused, totalRows: dataRows };
}

function firstInvalidUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return line;
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

type ImportOptions = { listId?: string; onProgress?: (p: ImportProgress) => void | Promise<void> };

/**
 * Imports contacts from CSV into an optional list. Everything valid is written in one transaction, so a
 * failure part-way (a database restart) leaves nothing half-imported; refused rows are reported.
 */
export async function importContactsCsv(db: Db, bytes: Uint8Array, options: ImportOptions = {}): Promise<ImportReport> {
  return writeContactsImport(db, parseContactsCsv(bytes), options);
}

/** The writing half of an import, for a caller that parsed first (to answer a bad file with its status). */
export async function writeContactsImport(db: Db, parsed: ReturnType<typeof parseContactsCsv>, options: ImportOptions = {}): Promise<ImportReport> {
  const { rows, refused, totalRows } = parsed;
  await options.onProgress?.({ phase: "validating", processed: totalRows, total: totalRows });
  let created = 0;
  let updated = 0;
  await db.transaction(async (tx) => {
    if (options.listId) await getListOrThrow(tx, options.listId);
    for (let i = 0; i < rows.length; i += CHUNK) {
      const result = await upsertContacts(tx, { rows: rows.slice(i, i + CHUNK), listIds: options.listId ? [options.listId] : [] });
      created += result.created;
      updated += result.updated;
      await options.onProgress?.({ phase: "writing", processed: Math.min(i + CHUNK, rows.length), total: rows.length });
    }
  });
  await options.onProgress?.({ phase: "done", processed: rows.length, total: rows.length });
  return { totalRows, created, updated, refused };
}
