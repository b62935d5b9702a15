import { apiRoute, readBodyLimited } from "@/lib/app/api-route";
import { assertCsvContentType, importContactsCsv, MAX_IMPORT_BYTES } from "@/lib/contacts/import-csv";
import { AppError } from "@/lib/errors";
import { idField } from "@/lib/http/id";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

/** `POST /api/v1/contacts/import?list_id=…` with a text/csv body: the same import as the UI's. */
export const POST = apiRoute({}, async ({ req, db }) => {
  const listId = idField("Unknown list").optional().parse(new URL(req.url).searchParams.get("list_id") ?? undefined);
  assertCsvContentType(req.headers.get("content-type"));
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_IMPORT_BYTES) throw new AppError("file_too_large", `CSV files are limited to ${MAX_IMPORT_BYTES / 1024 / 1024} MB`);
  const bytes = await readBodyLimited(req, MAX_IMPORT_BYTES);
  const report = await importContactsCsv(db, bytes, { listId });
  return {
    total_rows: report.totalRows,
    created: report.created,
    updated: report.updated,
    refused: report.refused,
  };
});
