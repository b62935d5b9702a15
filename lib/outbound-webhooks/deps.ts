import type { AlertEmailer } from "@/lib/alerts/alerts";
import type { AddressPolicy } from "./address-policy";

/** What the outbound webhook functions need from outside: configuration, the clock, randomness. */
export interface OutboundDeps {
  /** Which addresses callback URLs may reach (ALLOW_PRIVATE_WEBHOOK_URLS) and how names resolve. */
  policy: AddressPolicy;
  /** `account_id` in every payload. */
  accountId: string;
  /** The clock: the app passes the real one, tests their own. */
  now: () => Date;
  random?: () => number;
  /** Admins are emailed when an endpoint is disabled; null in tests. */
  emailer?: AlertEmailer | null;
  /** Per-request deadline; 15 s unless a test shortens it. */
  timeoutMs?: number;
  log?: (message: string) => void;
}

export const clockOf = (deps: Pick<OutboundDeps, "now">) => deps.now();

/** Who did something to an endpoint: a dashboard user or an API key. */
export interface Actor {
  via: "dashboard" | "api";
  userId?: string | null;
  apiKeyId?: string | null;
}
