import { afterResponse } from "@/lib/app/after-response";
import { z } from "zod";
import type { Db, Reads } from "@/db";
import type { Role } from "@/db/schema";
import { authenticateApiKey, type ApiPrincipal } from "@/lib/api-keys/api-keys";
import { getEnv, type AppEnv } from "@/lib/env";
import { AppError, errorResponse, logUnexpected } from "@/lib/errors";
import { readBodyCapped } from "@/lib/http/body";
import { requestClientIp } from "@/lib/app/client-ip";
import { constantTimeEqual } from "@/lib/security/constant-time";
import { rejectCredentialFailure } from "@/lib/security/credential-failure";
import { getAlertEmailer, getAppDb, getAppReads } from "@/lib/app/deps";

export { errorResponse };

/**
 * Any error as the caller may see it: an AppError as it is, a schema failure as 422, anything else
 * (a database error, a bug) logged with its details and answered with a generic message and an id.
 */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof AppError) return errorResponse(error.code, error.message, error.details);
  if (error instanceof z.ZodError) {
    return errorResponse("validation_failed", summarizeZodError(error), error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  }
  const unexpected = logUnexpected("route", error);
  return errorResponse(unexpected.code, unexpected.message);
}

export function summarizeZodError(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return "Invalid input";
  const where = first.path.length ? `${first.path.join(".")}: ` : "";
  return `${where}${first.message}`;
}

export interface ApiContext<P> {
  req: Request;
  params: P;
  principal: ApiPrincipal;
  db: Db;
  /** For the heavy reads that may lag (a replica when configured): db/reads.ts. Everything else uses `db`. */
  reads: Reads;
  env: AppEnv;
}

type RouteContext<P> = { params: Promise<P> };

/**
 * Wraps a `/api/v1` handler: Bearer API key, role check on the server, one error shape.
 * A handler returns data (sent as `{ data }`) or a Response of its own.
 */
export function apiRoute<P = Record<string, never>>(
  options: { role?: Role },
  handler: (ctx: ApiContext<P>) => Promise<unknown>,
) {
  return async (req: Request, context: RouteContext<P>): Promise<Response> => {
    try {
      const header = req.headers.get("authorization") ?? "";
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const db = getAppDb();
      const principal = match ? await authenticateApiKey(db, { key: match[1] }, new Date()) : null;
      if (!principal) {
        // A failed API key is a credential failure like a wrong webhook secret or cron bearer:
        // recorded for the security page, alerted, and rate limited per source (so keys cannot be
        // guessed at speed). The answer keeps the API's one code for it, `unauthorized`.
        return await rejectCredentialFailure(
          req,
          match
            ? { reason: "api_key_invalid", code: "unauthorized", message: "The API key is unknown or revoked" }
            : { reason: "api_key_missing", code: "unauthorized", message: "Send an API key as 'Authorization: Bearer <key>'" },
          { db, route: new URL(req.url).pathname, ip: requestClientIp((n) => req.headers.get(n)), emailer: getAlertEmailer(), afterResponse, now: () => new Date() },
        );
      }
      if (options.role === "admin" && principal.role !== "admin") {
        return errorResponse("forbidden", "This route needs an admin API key");
      }
      const result = await handler({
        req,
        params: await context.params,
        principal,
        db,
        // Built on first use: most routes never read from the replica.
        get reads() {
          return getAppReads();
        },
        env: getEnv(),
      });
      if (result instanceof Response) return result;
      return Response.json({ data: result ?? null });
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

/** Reads a JSON body with a size cap (413), a parse check (400) and a schema (422). */
export async function readJson<S extends z.ZodType>(
  req: Request,
  schema: S,
  maxBytes = DEFAULT_MAX_JSON_BYTES,
): Promise<z.infer<S>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new AppError("payload_too_large", `Bodies are limited to ${maxBytes} bytes`);
  const body = await readBodyLimited(req, maxBytes);
  return parseJsonBody(body, schema);
}

/** Like readJson, but an empty body counts as `{}` (for actions whose options are all optional). */
export async function readOptionalJson<S extends z.ZodType>(req: Request, schema: S, maxBytes = 64 * 1024): Promise<z.infer<S>> {
  const body = await readBodyLimited(req, maxBytes);
  return parseJsonBody(body.length === 0 || body.toString("utf8").trim() === "" ? Buffer.from("{}") : body, schema);
}

function parseJsonBody<S extends z.ZodType>(body: Buffer, schema: S): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw new AppError("invalid_json", "The body is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}

/** The body, or a 413 AppError as soon as it passes the cap (never buffered whole). */
export async function readBodyLimited(req: Request, maxBytes: number): Promise<Buffer> {
  const { bytes, tooLarge } = await readBodyCapped(req, maxBytes);
  if (tooLarge) throw new AppError("payload_too_large", `Bodies are limited to ${maxBytes} bytes`);
  return bytes;
}


/**
 * Wraps a cron route: the caller must present `Authorization: Bearer $CRON_SECRET`, as Vercel Cron
 * does. A wrong or missing bearer is a 401 and a suspicious-request record.
 */
export function cronRoute(name: string, handler: (ctx: { db: Db; env: AppEnv; req: Request }) => Promise<unknown>) {
  return async (req: Request): Promise<Response> => {
    try {
      const env = getEnv();
      const db = getAppDb();
      const header = req.headers.get("authorization");
      const reason = !header ? "cron_bearer_missing" : !constantTimeEqual(header, `Bearer ${env.CRON_SECRET}`) ? "cron_bearer_invalid" : null;
      if (reason) {
        return await rejectCredentialFailure(
          req,
          { reason, code: reason, message: "A valid cron bearer token is required" },
          { db, route: new URL(req.url).pathname, ip: requestClientIp((n) => req.headers.get(n)), emailer: getAlertEmailer(), afterResponse, now: () => new Date() },
        );
      }
      const result = await handler({ db, env, req });
      return Response.json({ data: { job: name, ...((result as object) ?? {}) } });
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}
