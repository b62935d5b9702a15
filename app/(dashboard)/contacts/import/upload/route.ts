import { readBodyLimited, toErrorResponse, errorResponse } from "@/lib/app/api-route";
import { getCurrentUser } from "@/lib/app/session";
import { assertCsvContentType, MAX_IMPORT_BYTES, parseContactsCsv, readImportQuery, writeContactsImport, type ParsedImport } from "@/lib/contacts/import-csv";
import { getListOrThrow } from "@/lib/contacts/contacts";
import { AppError } from "@/lib/errors";
import { getAppDb } from "@/lib/app/deps";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

/**
 * The import page's upload: the file is the request body, `list_id`, `mapping` and `strict_encoding` in
 * the query (as `POST /api/v1/contacts/import`). A file that cannot be imported at all (too large, not
 * CSV, a mapping that does not fit, not UTF-8 in strict mode) is answered with its 4xx before anything is
 * written; then the answer is NDJSON, one line per progress step and a last line with the report (or the
 * error), so the page can draw a progress bar while the contacts are written.
 */
export async function POST(req: Request) {
  const user = await getCurrentUser();
  if (!user) return errorResponse("unauthorized", "Sign in again");
  let parsed: ParsedImport;
  let listId: string | undefined;
  try {
    const query = readImportQuery(new URL(req.url).searchParams);
    listId = query.listId;
    assertCsvContentType(req.headers.get("content-type"));
    if (Number(req.headers.get("content-length") ?? "0") > MAX_IMPORT_BYTES) {
      throw new AppError("file_too_large", `CSV files are limited to ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split the file and import the parts`);
    }
    parsed = parseContactsCsv(await readBodyLimited(req, MAX_IMPORT_BYTES), query);
    // An unknown list is a 404 now, not a line in a 200 stream (the import checks again in its transaction).
    if (listId) await getListOrThrow(getAppDb(), listId);
  } catch (error) {
    return toErrorResponse(error);
  }
  const encoder = new TextEncoder();
  const stream = new ReadableStream({
    async start(controller) {
      const send = (line: unknown) => controller.enqueue(encoder.encode(JSON.stringify(line) + "\n"));
      try {
        const report = await writeContactsImport(getAppDb(), parsed, { listId, onProgress: (p) => send({ progress: p }) });
        send({ report });
      } catch (error) {
        const response = toErrorResponse(error);
        send(await response.json());
      } finally {
        controller.close();
      }
    },
  });
  return new Response(stream, { headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" } });
}
