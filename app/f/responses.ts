import { logUnexpected, statusOf } from "@/lib/errors";
import { renderMessagePage } from "@/lib/forms/page";

/**
 * The public form pages' answers: no caching, and no referrer to other sites (a confirmation link
 * carries its token). `same-origin`, not `no-referrer`: under no-referrer a browser posts the hosted
 * form with `Origin: null`, which the origin check must refuse like any unknown origin.
 */
const PAGE_HEADERS = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "same-origin" };

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

