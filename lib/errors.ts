/**
 * The one error type domain code throws for expected failures. Routes map it to
 * `{ error: { code, message } }` with its status; anything else becomes a 500 without internals.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} not found`, 404);
export const conflict = (message: string) => new AppError("conflict", message, 409);
export const forbidden = (message = "You do not have access to this") =>
  new AppError("forbidden", message, 403);
export const unauthorized = (message = "Authentication required") =>
  new AppError("unauthorized", message, 401);
export const validationFailed = (message: string, details?: unknown) =>
  new AppError("validation_failed", message, 422, details);

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
