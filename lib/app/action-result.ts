import type { z } from "zod";
import { AppError } from "@/lib/errors";

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

/** Expected failures become a message for the form; anything else is a real error and is thrown. */
export function fromError(error: unknown, fieldFor?: Record<string, string>): ActionResult<never> {
  if (error instanceof AppError) {
    const field = fieldFor?.[error.code];
    return { ok: false, error: error.message, fieldErrors: field ? { [field]: error.message } : undefined };
  }
  throw error;
}
