/**
 * The import page's preview: the header and first rows of a CSV, read in the browser from the start of
 * the file only (File.slice), however large the file. It parses with the same library and options as the
 * server (csv-parse, lib/contacts/import-csv.ts), loaded when a file is chosen.
 */

/** How much of the file the preview reads: enough for the header and some rows of any sane CSV. */
export const PREVIEW_BYTES = 64 * 1024;
export const PREVIEW_ROWS = 8;

export interface CsvPreview {
  header: string[];
  /** The first data rows, each with its row number in the file (the header is row 1). */
  rows: { row: number; values: string[]; notUtf8: boolean }[];
  /** The file goes on beyond what was read. */
  partial: boolean;
}

export async function readCsvPreview(file: Blob): Promise<CsvPreview> {
  const partial = file.size > PREVIEW_BYTES;
  let bytes = new Uint8Array(await file.slice(0, PREVIEW_BYTES).arrayBuffer());
  // A slice ends mid-row (maybe mid-character): keep whole lines only.
  if (partial) {
    const lastNewline = bytes.lastIndexOf(0x0a);
    if (lastNewline > 0) bytes = bytes.subarray(0, lastNewline + 1);
  }
  // As on the server, bytes that are not UTF-8 become U+FFFD and mark their row; the rest reads normally.
  const text = new TextDecoder("utf-8").decode(bytes);
  const valid = isValidUtf8(bytes);
  const { parse } = await import("csv-parse/browser/esm/sync");
  const options = { relax_column_count: true, skip_empty_lines: true, trim: true, bom: true };
  let records: string[][] | null = null;
  let end = text.length;
  // A quoted value spanning lines can be cut by the slice: drop lines from the end until the rest parses.
  for (let attempt = 0; attempt < 20 && end > 0; attempt++) {
    try {
      records = parse(text.slice(0, end), options);
      break;
    } catch (error) {
      if (!partial) throw new Error(`The file could not be read as CSV: ${(error as Error).message}`);
      end = text.lastIndexOf("\n", end - 2) + 1;
    }
  }
  if (!records || records.length === 0) throw new Error("The file is empty");
  return {
    header: records[0],
    rows: records.slice(1, PREVIEW_ROWS + 1).map((values, i) => ({ row: i + 2, values, notUtf8: !valid && values.some((v) => v.includes("\uFFFD")) })),
    partial,
  };
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
