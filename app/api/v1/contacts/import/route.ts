import { apiRoute, readBodyLimited } from "@/lib/app/api-route";
import { assertCsvContentType, importContactsCsv, MAX_IMPORT_BYTES, readImportQuery } from "@/lib/contacts/import-csv";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

/** `POST /api/v1/contacts/import?list_id=…&mapping=…&strict_encoding=…` with a text/csv body: the same import as the UI's. */
export const POST = apiRoute({}, async ({ req, db }) => {
  const query = readImportQuery(new URL(req.url).searchParams);
  assertCsvContentType(req.headers.get("content-type"));
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_IMPORT_BYTES) throw new AppError("file_too_large", `CSV files are limited to ${MAX_IMPORT_BYTES / 1024 / 1024} MB`);
  const bytes = await readBodyLimited(req, MAX_IMPORT_BYTES);
  const report = await importContactsCsv(db, bytes, query);
  return {
    total_rows: report.totalRows,
    created: report.created,
    updated: report.updated,
    refused: report.refused,
  };
});
