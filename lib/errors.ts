import { randomBytes } from "node:crypto";

/**
 * The error catalogue: every code Postline answers a caller with, and its HTTP status. A throw site
 * names a code, never a status: the status follows from the code (`AppError`, `errorResponse`), and
 * TypeScript refuses a code that is not here. Add a code here before using it, with the status a client
 * should see; README's routes table documents the ones a client meets.
 */
export const ERROR_CATALOGUE = {
  // 400: the request cannot be read at all
  invalid_json: 400,
  // 401: who is asking is not known (API key, cron bearer, webhook credentials)
  unauthorized: 401,
  cron_bearer_missing: 401,
  cron_bearer_invalid: 401,
  secret_missing: 401,
  secret_mismatch: 401,
  basic_auth_missing: 401,
  basic_auth_mismatch: 401,
  source_ip_not_allowed: 401,
  // 403: known, but not allowed
  forbidden: 403,
  origin_not_allowed: 403,
  // 404: no such thing (or not addressable: a malformed id is the same as an unknown one)
  not_found: 404,
  invalid_token: 404,
  // 410: it existed, and is gone for good (an expired confirmation link)
  link_expired: 410,
  // 409: the thing exists but its state refuses the request
  conflict: 409,
  invalid_state: 409,
  already_sent: 409,
  already_pending: 409,
  not_waiting_for_retry: 409,
  archived: 409,
  not_verified: 409,
  not_sent: 409,
  verification_conflict: 409,
  contact_exists: 409,
  contact_suppressed: 409,
  // a spam complaint (or a suppression only the recipient or Postmark can lift): never reactivated here
  suppression_permanent: 409,
  // the campaign's From domain fails the sender check and the audience is over the threshold
  sender_unverified: 409,
  contact_pending: 409,
  list_exists: 409,
  tag_exists: 409,
  template_exists: 409,
  list_in_use: 409,
  tag_in_use: 409,
  segment_in_use: 409,
  email_taken: 409,
  last_admin: 409,
  run_in_progress: 409,
  already_enrolled: 409,
  // 413: too big (bytes or items)
  payload_too_large: 413,
  body_too_large: 413,
  file_too_large: 413,
  too_many_rows: 413,
  too_many_items: 413,
  // 415: wrong content type
  unsupported_content_type: 415,
  // 422: well-formed but invalid
  validation_failed: 422,
  invalid_payload: 422,
  invalid_template: 422,
  invalid_schedule: 422,
  unknown_time_zone: 422,
  unknown_list: 422,
  unknown_tag: 422,
  unknown_segment: 422,
  unknown_form: 422,
  unknown_field: 422,
  contradictory_segment: 422,
  no_audience: 422,
  no_emails: 422,
  invalid_delay: 422,
  invalid_window: 422,
  weak_password: 422,
  invalid_url: 422,
  url_unresolvable: 422,
  url_refused: 422,
  verification_failed: 422,
  invalid_encoding: 422,
  invalid_csv: 422,
  empty_file: 422,
  missing_email_column: 422,
  invalid_mapping: 422,
  inactive_recipient: 422,
  rejected_by_postmark: 422,
  // 502: Postmark did not do what was asked (its own error, a refused token)
  postmark_error: 502,
  // 429: slow down
  rate_limited: 429,
  // 5xx: our side; never carries internals (see logUnexpected)
  internal_error: 500,
  database_unavailable: 503,
} as const satisfies Record<string, 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 502 | 503>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOGUE[code];
}

/**
 * The one error type code throws for expected failures: a catalogued code (its status follows), a
 * message for the caller, and optional details. Routes map it to `{ error: { code, message } }` with
 * that status; anything else becomes a 500 `internal_error` without internals.
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown> | readonly unknown[],
  ) {
    super(message);
    this.name = "AppError";
    this.status = ERROR_CATALOGUE[code];
  }
}

/** The one error shape of every JSON answer, `{ error: { code, message, details? } }`; the status follows from the code. */
export function errorResponse(code: ErrorCode, message: string, details?: unknown, headers?: HeadersInit): Response {
  return Response.json({ error: details === undefined ? { code, message } : { code, message, details } }, { status: ERROR_CATALOGUE[code], headers });
}

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
export const conflict = (message: string) => new AppError("conflict", message);
export const forbidden = (message = "You do not have access to this") => new AppError("forbidden", message);
export const unauthorized = (message = "Authentication required") => new AppError("unauthorized", message);

/**
 * An error no caller may see (a database or driver error, a bug): logged here with its details under a
 * fresh id, and what may be shown instead: a catalogued code and a generic message naming the id, so a
 * report can be matched to the log line. Driver messages can carry query parameters; they stay in the log.
 */
export function logUnexpected(where: string, error: unknown): { code: "internal_error" | "database_unavailable"; errorId: string; message: string } {
  const errorId = randomBytes(6).toString("hex");
  console.error(`[${where}] error ${errorId}:`, error);
  if (isDatabaseUnavailable(error)) {
    return { code: "database_unavailable", errorId, message: `The database is not reachable right now; retry shortly (error ${errorId})` };
  }
  return { code: "internal_error", errorId, message: `Something went wrong on our side (error ${errorId})` };
}

/** True when PostgreSQL is unreachable or restarting: callers answer 503 so clients retry. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: unknown } | undefined;
  if (!e) return false;
  // Drizzle wraps driver errors; the driver's own error is the cause.
  if (e.cause && e.cause !== error && isDatabaseUnavailable(e.cause)) return true;
  if (e.code && ["57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08006", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"].includes(e.code)) {
    return true;
  }
  const message = e.message ?? "";
  // "not queryable": node-postgres refuses a client whose connection broke; drizzle's ROLLBACK after
  // the failed statement then throws this instead of the original error.
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|the database system is (starting up|shutting down)|Client has encountered a connection error and is not queryable|Client was closed and is not queryable/i.test(message);
}

/** Unique violation on a named constraint or index (PostgreSQL 23505). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = (error as { cause?: unknown })?.cause ?? error;
  const pgErr = e as { code?: string; constraint?: string };
  return pgErr?.code === "23505" && (!constraint || pgErr.constraint === constraint);
}

/** A deadlock (40P01) or serialization failure (40001): the transaction was rolled back and may simply run again. */
export function isRetryableConflict(error: unknown): boolean {
  const code = ((error as { cause?: unknown })?.cause as { code?: string } | undefined)?.code ?? (error as { code?: string } | undefined)?.code;
  return code === "40P01" || code === "40001";
}
