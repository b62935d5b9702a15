import type { Db } from "@/db";
import { raiseAndNotify, runDetached, type AfterResponse, type AlertEmailer } from "@/lib/alerts/alerts";
import { errorResponse, type ErrorCode } from "@/lib/errors";
import { readBodyCapped } from "@/lib/http/body";
import { hitRateLimit, type RateLimitRule } from "@/lib/rate-limit/rate-limit";
import { recordSuspiciousRequest } from "./suspicious-requests";

/** Failed credential checks one source may make per window; past it, its failures are answered 429. */
export const ABUSE_LIMIT: RateLimitRule = { limit: 20, windowMs: 60_000 };
const EXCERPT_READ_BYTES = 64 * 1024;

export interface CredentialFailureDeps {
  db: Db;
  route: string;
  ip: string;
  emailer?: AlertEmailer | null;
  /**
   * Where the alert email goes: after the response (the app passes Next's after()); detached when
   * not given. Never awaited here, so a flood's first requests do not wait on Postmark in a slot.
   */
  afterResponse?: AfterResponse;
  /** The clock: the app passes the real one, tests their own. */
  now: () => Date;
  /** Sources over the limit, remembered per instance so a flood costs no queries. */
  blocked?: Map<string, number>;
}

/**
 * Failed credential checks that may be using the database at once in this instance. Each takes a
 * pool connection (the rate-limit row, the record, the alert, whose rows every failure of a flood
 * shares and so takes in turn); unbounded, the first burst of a flood, before its sources are
 * blocked, held every connection and Postmark's own webhooks waited behind it (found by the flood
 * drill, issue 8). The rest wait here, holding nothing. Past a queue this long a failure is shed
 * with 429 unrecorded; every failure let through is answered by recordedOrLimited (its own status, or
 * 429 for a source over the limit).
 */
const FAILURE_SLOTS = 2;
const MAX_WAITING_FAILURES = 1_000;
let failuresActive = 0;
const failuresWaiting: (() => void)[] = [];

async function inFailureSlot<T>(work: () => Promise<T>): Promise<T> {
  if (failuresActive < FAILURE_SLOTS) failuresActive++;
  else await new Promise<void>((resolve) => failuresWaiting.push(resolve)); // the slot is handed over
  try {
    return await work();
  } finally {
    const next = failuresWaiting.shift();
    if (next) next();
    else failuresActive--;
  }
}

export interface CredentialFailure {
  reason: string;
  code: ErrorCode;
  message: string;
}

/**
 * What every guarded route does with a request that failed a credential or source check: the
 * failure's own status (401 on every route today; never 403, on which Postmark stops retrying), a
 * suspicious-request record (header names, body hash and excerpt, never the secret), an admin alert
 * (first right after the response, then digests). A source over the abuse limit gets 429 and costs
 * nothing more.
 */
export async function rejectCredentialFailure(
  req: Request,
  /** `reason` is what the record and alert name; `code` is the error answered (its status follows). */
  failure: CredentialFailure,
  deps: CredentialFailureDeps,
): Promise<Response> {
  const now = deps.now();
  const tooManyNow = () => errorResponse("rate_limited", "Too many failed attempts; retry later", undefined, { "retry-after": "1" });
  const blocked = deps.blocked?.get(deps.ip);
  if (blocked && blocked > now.getTime()) return recordedOrLimited(req, { failure, now }, deps);
  if (failuresWaiting.length >= MAX_WAITING_FAILURES) return tooManyNow();
  return inFailureSlot(() => recordedOrLimited(req, { failure, now }, deps));
}

/**
 * Answers one failure: 429 for a source over ABUSE_LIMIT (remembered in `blocked`, so its next
 * failures cost no query), otherwise the failure's own status (401) after recording and alerting it.
 */
async function recordedOrLimited(req: Request, { failure, now }: { failure: CredentialFailure; now: Date }, deps: CredentialFailureDeps): Promise<Response> {
  const tooMany = (until: number) =>
    errorResponse("rate_limited", "Too many failed attempts from this address", undefined, {
      "retry-after": String(Math.max(1, Math.ceil((until - now.getTime()) / 1000))),
    });
  const blockedUntil = deps.blocked?.get(deps.ip);
  if (blockedUntil && blockedUntil > now.getTime()) return tooMany(blockedUntil);
  const state = await hitRateLimit(deps.db, { key: `credential-fail:${deps.ip}`, rule: ABUSE_LIMIT }, now);
  if (state.limited) {
    deps.blocked?.set(deps.ip, state.resetAt.getTime());
    return tooMany(state.resetAt.getTime());
  }
  const { bytes: body } = await readBodyCapped(req, EXCERPT_READ_BYTES);
  await recordSuspiciousRequest(deps.db, { route: deps.route, ip: deps.ip, reason: failure.reason, userAgent: req.headers.get("user-agent"), headerNames: [...req.headers.keys()], body }, now);
  await raiseAndNotify(
    deps.db,
    {
      kind: "suspicious_request",
      dedupeKey: failure.reason,
      title: `Suspicious requests: ${failure.reason}`,
      body: `A request from ${deps.ip} failed the check "${failure.reason}" on ${deps.route}.`,
    },
    { emailer: deps.emailer ?? null, now, afterResponse: deps.afterResponse ?? runDetached },
  );
  return errorResponse(failure.code, failure.message);
}
