/**
 * Where the honeypot link (lib/engagement/honeypot.ts) lands: only a machine following every link of a
 * campaign mail gets here, through Postmark's click redirect, which has already recorded the click.
 * The answer is the same empty page for every path, valid campaign id or not: no database work, no
 * auth (the proxy's matcher leaves /h/ public), nothing that tells a prober what exists.
 */

export const dynamic = "force-dynamic";

const BODY = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title></title></head><body></body></html>`;

const HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-robots-tag": "noindex",
  "referrer-policy": "no-referrer",
};

export function GET(): Response {
  return new Response(BODY, { status: 200, headers: HEADERS });
}

export function HEAD(): Response {
  return new Response(null, { status: 200, headers: { ...HEADERS, "content-length": String(Buffer.byteLength(BODY)) } });
}
