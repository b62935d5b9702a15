import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import { AppError, logUnexpected, type ErrorCode } from "@/lib/errors";

/** What every server action returns: the form shows `error` or `message`, and field errors inline. */
export type ActionResult<T = undefined> =
  | { ok: true; message: string; data?: T }
  | { ok: false; error: string; fieldErrors?: Record<string, string> };

export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) out[String(issue.path[0] ?? "form")] ??= issue.message;
  return out;
}

export function invalid(error: z.ZodError): ActionResult<never> {
  return { ok: false, error: "Check the highlighted fields", fieldErrors: fieldErrors(error) };
}

/**
 * Any failure as the form shows it: an AppError's message (on the field `fieldFor` names for its code);
 * anything else (a database error, a bug) is logged with its details and the form gets a generic message
 * with the log's error id, never the error's own text. Next's redirect and notFound pass through.
 */
export function fromError(error: unknown, fieldFor?: Partial<Record<ErrorCode, string>>): ActionResult<never> {
  unstable_rethrow(error);
  if (error instanceof AppError) {
    const field = fieldFor?.[error.code];
    return { ok: false, error: error.message, fieldErrors: field ? { [field]: error.message } : undefined };
  }
  return { ok: false, error: logUnexpected("action", error).message };
}
