import { AppError, logUnexpected, statusOf } from "@/lib/errors";
import { readBodyCapped } from "@/lib/http/body";
import { resolveUnsubscribeToken, unsubscribeByToken } from "@/lib/sending/unsubscribe";
import { escapeHtml } from "@/lib/campaigns/template";
import { getAppDb, getUnsubscribeKey } from "@/lib/app/deps";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

// A page and the RFC 8058 one-click endpoint share one URL, so this is a route handler that renders
// its own small page: GET never changes anything (link scanners fetch it), POST unsubscribes.

function page(status: number, title: string, body: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;background:#f8fafc;color:#0f172a;display:flex;min-height:100vh;align-items:center;justify-content:center;margin:0}main{background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:32px;max-width:420px;text-align:center}button{background:#1f5ad6;color:#fff;border:0;border-radius:6px;padding:10px 18px;font-size:15px;cursor:pointer}button:focus-visible{outline:2px solid #2f6fed;outline-offset:2px}p{color:#475569}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" } });
}

function invalid(): Response {
  return page(404, "Link not valid", "<p>This unsubscribe link is not valid. If you keep receiving emails, reply to one and ask to be removed.</p>");
}

/** Anything unexpected (the database down, a bug): logged with its details; the page says only that it failed. */
function failed(error: unknown): Response {
  const unexpected = logUnexpected("unsubscribe", error);
  return page(statusOf(unexpected.code), "Please try again", `<p>We could not unsubscribe you just now; try the link again in a minute. (${escapeHtml(unexpected.errorId)})</p>`);
}

export async function GET(_req: Request, { params }: Context) {
  const { token } = await params;
  try {
    const target = await resolveUnsubscribeToken(getAppDb(), { key: getUnsubscribeKey(), token });
    if (target.alreadyUnsubscribed) return page(200, "You are unsubscribed", `<p>${escapeHtml(target.email)} will not receive these emails any more.</p>`);
    return page(
      200,
      "Unsubscribe?",
      `<p>Stop sending these emails to <strong>${escapeHtml(target.email)}</strong>.</p><form method="post"><button type="submit">Unsubscribe</button></form>`,
    );
  } catch (error) {
    if (error instanceof AppError && error.code === "invalid_token") return invalid();
    return failed(error);
  }
}

// RFC 8058's body is `List-Unsubscribe=One-Click`; the page's button posts nothing. Anyone may post here
// without credentials, so the body is read through a cap and never buffered whole.
const MAX_BODY_BYTES = 4 * 1024;

function tooLarge(): Response {
  return new Response(`Request body too large (at most ${MAX_BODY_BYTES} bytes)\n`, { status: 413, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** One-click (RFC 8058: no cookies needed, no redirect) and the page's own button. */
export async function POST(req: Request, { params }: Context) {
  const { token } = await params;
  if (Number(req.headers.get("content-length") ?? "0") > MAX_BODY_BYTES) return tooLarge();
  const read = await readBodyCapped(req, MAX_BODY_BYTES).catch(() => null);
  if (read?.tooLarge) return tooLarge();
  const oneClick = (read?.bytes.toString("utf8") ?? "").includes("List-Unsubscribe=One-Click");
  try {
    const result = await unsubscribeByToken(getAppDb(), { key: getUnsubscribeKey(), token, how: oneClick ? "one-click" : "page" }, new Date());
    if (oneClick && !(req.headers.get("accept") ?? "").includes("text/html")) {
      return new Response("Unsubscribed\n", { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
    }
    return page(200, "You are unsubscribed", `<p>${escapeHtml(result.email)} will not receive these emails any more.</p>`);
  } catch (error) {
    if (error instanceof AppError && error.code === "invalid_token") return oneClick ? new Response("Invalid token\n", { status: statusOf("invalid_token") }) : invalid();
    return failed(error);
  }
}
