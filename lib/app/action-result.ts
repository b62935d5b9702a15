import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import { AppError, logUnexpected, type ErrorCode } from "@/lib/errors";

/** What every server action returns: the form shows `error` or `message`, and field errors inline. */
export type ActionResult<T = undefined> =
  | { ok: true; message: string; data?: T }
  | { ok: false; error: string; fieldErrors?: Record<string, string> };

/**
 * Each issue under the form field it belongs to (the first per field): the key is the input's `name`, so
 * the form shows the message beside it and moves focus there (components/ui/action-form.ts). `rename`
 * maps a schema key to the input's name where they differ.
 */
export function fieldErrors(error: z.ZodError, rename: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form");
    out[rename[key] ?? key] ??= issue.message;
  }
  return out;
}

export function invalid(error: z.ZodError, rename?: Record<string, string>): ActionResult<never> {
  return { ok: false, error: "Check the highlighted fields", fieldErrors: fieldErrors(error, rename) };
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
