/**
 * What a failed Postmark call means for the messages in it. The line that matters is between
 * "certainly not accepted" (safe to send again) and "we do not know" (must be checked first).
 */
export type CallFailure =
  | { kind: "throttled"; message: string } // 429: refused, send again later
  | { kind: "unauthorized"; message: string } // 401: our token is wrong; nothing will pass until fixed
  | { kind: "rejected"; code: number; message: string } // 4xx with an ErrorCode: Postmark refused this request
  | { kind: "uncertain"; message: string }; // 5xx, timeout, connection lost: may or may not have been accepted

export function classifyPostmarkError(error: unknown): CallFailure {
  const e = error as { statusCode?: number; code?: number; message?: string };
  const message = String(e?.message ?? error).slice(0, 500);
  const status = typeof e?.statusCode === "number" ? e.statusCode : 0;
  if (status === 429) return { kind: "throttled", message };
  if (status === 401) return { kind: "unauthorized", message };
  if (status >= 400 && status < 500 && status !== 408) return { kind: "rejected", code: e.code ?? status, message };
  return { kind: "uncertain", message };
}

/** Exponential backoff with full jitter: 5 s, 10 s, 20 s … capped at 10 minutes. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(10 * 60_000, 5_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Postmark's 406 text lists the inactive addresses; postmark.js parses them the same way. */
export const INACTIVE_RECIPIENT = 406;
