import type { RateLimitRule } from "@/lib/rate-limit/rate-limit";
import type { SendingDeps } from "@/lib/sending/deps";

/** What the public form routes need: keys, limits and clocks come in, so tests turn each knob. */
export interface FormDeps {
  /** Signs confirmation links and fill-time stamps (lib/forms/tokens.ts formsKey). */
  key: Buffer;
  /** The confirmation email goes out as a single email on the transactional stream. */
  sending: SendingDeps;
  /** Its sender. */
  from: string;
  /** A submission sooner than this after the form was shown is a bot's. */
  minFillMs: number;
  /** How long a confirmation link works. */
  confirmTtlMs: number;
  limits: {
    /** Accepted submissions per address (any form): past it, the same answer and nothing written or sent. */
    perAddress: RateLimitRule;
    /** Posts per source IP (any form): past it, 429 `rate_limited`. */
    perSource: RateLimitRule;
  };
}

export const FORM_DEFAULT_LIMITS = {
  perAddress: { limit: 5, windowMs: 60 * 60_000 },
  perSource: { limit: 60, windowMs: 60_000 },
} satisfies FormDeps["limits"];

export const FORM_MIN_FILL_MS = 2_000;
