import type { Db } from "@/db";
import type { AfterResponse, AlertEmailer } from "@/lib/alerts/alerts";
import { errorResponse, logUnexpected } from "@/lib/errors";
import { constantTimeEqual } from "@/lib/security/constant-time";
import { readBodyCapped } from "@/lib/http/body";
import { rejectCredentialFailure } from "@/lib/security/credential-failure";
import { ingestPostmarkEvents, type IngestInput, type IngestResult } from "./ingest";
import { postmarkEventSchema } from "./postmark-payload";
import { ipInAllowlist } from "./source-ip";

/**
 * POST /api/webhooks/postmark, as a plain function of a Request.
 *
 * Each check is its own step with its own reason code, in this order: body size, content type,
 * secret header present, secret value (constant time), basic auth (when configured), source IP (when
 * configured), JSON, payload shape. Credential and source failures answer 401 (Postmark stops
 * retrying on 403, and these might be our own misconfiguration) and are recorded as suspicious;
 * a source that keeps failing gets 429 without any further database work. Only a request that is
 * really wrong gets a 4xx: a database outage is a 503, so Postmark retries.
 */

export const WEBHOOK_SECRET_HEADER = "x-webhook-secret";
export const MAX_WEBHOOK_BYTES = 1024 * 1024;
/** Strict UTF-8 (a malformed body is invalid_json); without `stream`, decode keeps no state between calls. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Each reason is also the error code answered (lib/errors.ts's catalogue gives its status). */
export type RejectReason =
  | "body_too_large"
  | "unsupported_content_type"
  | "secret_missing"
  | "secret_mismatch"
  | "basic_auth_missing"
  | "basic_auth_mismatch"
  | "source_ip_not_allowed"
  | "invalid_json"
  | "invalid_payload";

const CREDENTIAL_REASONS = new Set<RejectReason>(["secret_missing", "secret_mismatch", "basic_auth_missing", "basic_auth_mismatch", "source_ip_not_allowed"]);

export interface WebhookConfig {
  secret: string;
  /** During a secret rotation, the old secret, accepted too (POSTMARK_WEBHOOK_SECRET_PREVIOUS). */
  previousSecret?: string;
  basicAuth?: { username: string; password: string };
  /** Postmark's published webhook source ranges; null = not checked (the default). */
  ipAllowlist?: string[] | null;
}

export interface WebhookDeps {
  db: Db;
  config: WebhookConfig;
  ip: string;
  emailer?: AlertEmailer | null;
  /** Where a credential failure's alert email is sent from: after the response (Next's after()). */
  afterResponse?: AfterResponse;
  /** The clock: the app passes the real one, tests their own. */
  now: () => Date;
  /** Sources currently over the abuse limit, remembered per instance so a flood costs no queries. */
  blocked?: Map<string, number>;
  /** How an accepted event is written: the app passes its group-commit batcher; default one transaction per event. */
  ingest?: (input: IngestInput) => Promise<IngestResult>;
}

export { ABUSE_LIMIT } from "@/lib/security/credential-failure";

/** The first failed header check, or null. Pure: no I/O, so it runs before anything else. */
export function checkWebhookHeaders(headers: Headers, { config, ip }: Pick<WebhookDeps, "config" | "ip">): { reason: RejectReason; message: string } | null {
  const length = Number(headers.get("content-length") ?? "0");
  if (length > MAX_WEBHOOK_BYTES) return { reason: "body_too_large", message: "Webhook bodies are limited to 1 MiB" };
  const type = (headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") return { reason: "unsupported_content_type", message: "Send application/json" };
  const secret = headers.get(WEBHOOK_SECRET_HEADER);
  if (secret === null || secret === "") return { reason: "secret_missing", message: "The X-Webhook-Secret header is missing" };
  // Both compared every time, so the answer's timing does not tell which secret came close.
  const current = constantTimeEqual(secret, config.secret);
  const previous = config.previousSecret ? constantTimeEqual(secret, config.previousSecret) : false;
  if (!current && !previous) return { reason: "secret_mismatch", message: "The X-Webhook-Secret header is wrong" };
  if (config.basicAuth) {
    const auth = headers.get("authorization") ?? "";
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth);
    if (!match) return { reason: "basic_auth_missing", message: "Basic authentication is required" };
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const expected = `${config.basicAuth.username}:${config.basicAuth.password}`;
    if (!constantTimeEqual(decoded, expected)) return { reason: "basic_auth_mismatch", message: "Basic authentication failed" };
  }
  if (config.ipAllowlist && !ipInAllowlist(ip, config.ipAllowlist)) {
    return { reason: "source_ip_not_allowed", message: "This source address may not post webhooks" };
  }
  return null;
}

export async function handlePostmarkWebhook(req: Request, deps: WebhookDeps): Promise<Response> {
  try {
    const failure = checkWebhookHeaders(req.headers, deps);
    if (failure && CREDENTIAL_REASONS.has(failure.reason)) {
      return await rejectCredentialFailure(req, { ...failure, code: failure.reason }, { ...deps, route: "/api/webhooks/postmark" });
    }
    if (failure) return errorResponse(failure.reason, failure.message);

    const { bytes, tooLarge } = await readBodyCapped(req, MAX_WEBHOOK_BYTES);
    if (tooLarge) return errorResponse("body_too_large", "Webhook bodies are limited to 1 MiB");
    let text: string;
    let body: unknown;
    try {
      text = UTF8.decode(bytes);
      body = JSON.parse(text);
    } catch {
      return errorResponse("invalid_json", "The body is not valid UTF-8 JSON");
    }
    const parsed = postmarkEventSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return errorResponse("invalid_payload", `${issue?.path.join(".") || "body"}: ${issue?.message ?? "not a Postmark event"}`);
    }
    const input: IngestInput = { event: parsed.data, rawText: text, source: "webhook" };
    const result = deps.ingest ? await deps.ingest(input) : (await ingestPostmarkEvents(deps.db, [input]))[0];
    return Response.json({ data: result }, { status: 200 });
  } catch (error) {
    // 503 or 500 rather than 4xx: Postmark retries, and nothing is lost while we fix it.
    const unexpected = logUnexpected("webhook", error);
    return errorResponse(unexpected.code, unexpected.message, undefined, unexpected.code === "database_unavailable" ? { "retry-after": "30" } : undefined);
  }
}
