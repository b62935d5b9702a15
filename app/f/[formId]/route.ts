import { getAppDb, getFormDeps } from "@/lib/app/deps";
import { requestClientIp } from "@/lib/app/client-ip";
import { sendQueuedSinglesSoon } from "@/lib/app/send-singles-soon";
import { getEnv } from "@/lib/env";
import { AppError, errorResponse, logUnexpected } from "@/lib/errors";
import { failedPage, htmlResponse, notFoundPage } from "../responses";
import { getLiveFormCached, type Form } from "@/lib/forms/forms";
import { renderFormPage, renderMessagePage } from "@/lib/forms/page";
import { submitForm } from "@/lib/forms/signups";
import { createFillStamp } from "@/lib/forms/tokens";
import { readBodyCapped } from "@/lib/http/body";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ formId: string }> };

// The hosted form and its endpoint share one URL, so this route handler renders its own small pages
// (like /u/{token}): no session, no JavaScript needed, a plain POST. JSON callers get JSON.

/** Anyone may post here: bodies are read through this cap and never buffered whole. */
const MAX_BODY_BYTES = 16 * 1024;

function formPage(form: Form, status: number, values?: Record<string, string>, errors?: Record<string, string>): Response {
  return htmlResponse(status, renderFormPage({ form, action: `/f/${form.id}`, stamp: createFillStamp(getFormDeps().key, form.id, new Date()), values, errors }));
}

export async function GET(_req: Request, { params }: Context) {
  const { formId } = await params;
  try {
    const form = await getLiveFormCached(getAppDb(), formId);
    return form ? formPage(form, 200) : notFoundPage();
  } catch (error) {
    return failedPage("form page", error);
  }
}

/** CORS for a form's allowed origins only; other origins get no CORS headers at all. */
function corsHeaders(origin: string | null, form: Form | null): Record<string, string> {
  if (!origin || !form?.allowedOrigins.includes(origin)) return { vary: "Origin" };
  return { "access-control-allow-origin": origin, vary: "Origin" };
}

export async function OPTIONS(req: Request, { params }: Context) {
  const { formId } = await params;
  const origin = req.headers.get("origin");
  try {
    const form = await getLiveFormCached(getAppDb(), formId);
    if (!form) return errorResponse("not_found", "Form not found");
    if (!origin || !form.allowedOrigins.includes(origin)) return errorResponse("origin_not_allowed", `This form does not accept posts from ${(origin ?? "this origin").slice(0, 200)}`, undefined, { vary: "Origin" });
    return new Response(null, {
      status: 204,
      headers: { ...corsHeaders(origin, form), "access-control-allow-methods": "POST, OPTIONS", "access-control-allow-headers": "content-type", "access-control-max-age": "600" },
    });
  } catch (error) {
    const unexpected = logUnexpected("form preflight", error);
    return errorResponse(unexpected.code, unexpected.message);
  }
}

/** A JSON body as the flat values a form posts: `{ email, name, fields: { company }, website, _ts }`. */
function flattenJson(json: unknown): Record<string, string> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new AppError("validation_failed", "The body is a JSON object such as { \"email\": \"…\" }");
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(json)) {
    if (key === "fields" && typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "string") throw new AppError("validation_failed", `fields.${k.slice(0, 100)} is text`, { field: `fields.${k.slice(0, 100)}` });
        out[`fields.${k}`] = v;
      }
    } else if (typeof value === "string") out[key] = value;
    else if (value !== null && value !== undefined) throw new AppError("validation_failed", `${key.slice(0, 100)} is text`, { field: key.slice(0, 100) });
  }
  return out;
}

export async function POST(req: Request, { params }: Context) {
  const { formId } = await params;
  const contentType = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  const json = contentType === "application/json";
  const origin = req.headers.get("origin");
  const db = getAppDb();
  let form: Form | null = null;
  let values: Record<string, string> = {};
  try {
    form = await getLiveFormCached(db, formId);
    if (!form) throw new AppError("not_found", "Form not found");
    if (!json && contentType !== "application/x-www-form-urlencoded") {
      throw new AppError("unsupported_content_type", "Post the form as application/x-www-form-urlencoded or application/json");
    }
    if (Number(req.headers.get("content-length") ?? "0") > MAX_BODY_BYTES) throw new AppError("body_too_large", `Form posts are limited to ${MAX_BODY_BYTES} bytes`);
    const read = await readBodyCapped(req, MAX_BODY_BYTES);
    if (read.tooLarge) throw new AppError("body_too_large", `Form posts are limited to ${MAX_BODY_BYTES} bytes`);
    const text = read.bytes.toString("utf8");
    if (json) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new AppError("invalid_json", "The body is not valid JSON");
      }
      values = flattenJson(parsed);
    } else {
      for (const [k, v] of new URLSearchParams(text)) if (!(k in values)) values[k] = v;
    }
    const env = getEnv();
    const result = await submitForm(
      db,
      { formId: form.id, form, values, ip: requestClientIp((n) => req.headers.get(n)), userAgent: req.headers.get("user-agent") ?? "", origin, appOrigin: new URL(env.APP_URL).origin, stampRequired: !json },
      getFormDeps(),
      new Date(),
    );
    if (result.confirmationMessageId) sendQueuedSinglesSoon(db, getFormDeps().sending);
    // The form as the signup was written against (read again when the cached copy was stale).
    form = result.form;
    const redirect = form.thankYouUrl;
    // The same answer for every address (no enumeration): the status says what the form does, not what
    // happened to this address.
    const status = form.doubleOptIn ? "pending_confirmation" : "subscribed";
    if (json) return Response.json({ status, data: { ok: true, status, message: form.thankYouMessage, redirect_url: redirect } }, { headers: corsHeaders(origin, form) });
    if (redirect) return new Response(null, { status: 303, headers: { location: redirect, "cache-control": "no-store" } });
    return htmlResponse(200, renderMessagePage("Thank you", form.thankYouMessage));
  } catch (error) {
    if (json) {
      const headers = corsHeaders(origin, form);
      if (error instanceof AppError) return errorResponse(error.code, error.message, error.details, headers);
      const unexpected = logUnexpected("form post", error);
      return errorResponse(unexpected.code, unexpected.message, undefined, headers);
    }
    if (!(error instanceof AppError)) return failedPage("form post", error);
    if (error.code === "not_found") return notFoundPage();
    if (error.code === "validation_failed" && form) {
      const details = error.details as { fields?: Record<string, string> } | undefined;
      return formPage(form, 422, values, details?.fields ?? { email: error.message });
    }
    const title = error.code === "rate_limited" ? "Too many signups" : error.code === "origin_not_allowed" ? "Not allowed here" : "We could not sign you up";
    return htmlResponse(error.status, renderMessagePage(title, error.message));
  }
}
