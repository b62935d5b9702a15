import { logUnexpected, statusOf } from "@/lib/errors";
import { renderMessagePage } from "@/lib/forms/page";

/** The public form pages' answers: no caching, no referrer (a confirmation link carries its token). */
const PAGE_HEADERS = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" };

export function htmlResponse(status: number, html: string): Response {
  return new Response(html, { status, headers: PAGE_HEADERS });
}

export function notFoundPage(): Response {
  return htmlResponse(404, renderMessagePage("Form not found", "This signup form does not exist or is no longer open."));
}

export function failedPage(where: string, error: unknown): Response {
  const unexpected = logUnexpected(where, error);
  return htmlResponse(statusOf(unexpected.code), renderMessagePage("Please try again", `Something went wrong on our side; try again in a minute. (${unexpected.errorId})`));
}

