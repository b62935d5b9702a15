const NODE_EXAMPLE = `import crypto from "node:crypto";
import { Webhook } from "standardwebhooks";

const secret = process.env.POSTLINE_WEBHOOK_SECRET; // whsec_…

// Read the RAW body: signatures cover the exact bytes, not re-serialized JSON.
export async function POST(req) {
  const body = await req.text();
  const headers = Object.fromEntries(req.headers);

  // 1. Standard Webhooks: checks webhook-signature and that webhook-timestamp
  //    is within 5 minutes (replay protection). Throws when it does not verify.
  const event = new Webhook(secret).verify(body, headers);

  // 2. Or x-signature: base64 HMAC-SHA256 of the raw body, keyed with the
  //    secret string as shown. During a rotation it lists two, comma-separated.
  const expected = crypto.createHmac("sha256", secret).update(body).digest("base64");
  const ok = headers["x-signature"].split(",").some((s) =>
    s.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(s), Buffer.from(expected)));
  if (!ok) return new Response("bad signature", { status: 401 });

  // webhook-id is the same on retries and replays: use it to drop duplicates.
  return new Response("ok"); // any 2xx within 15 s; 410 turns the endpoint off
}`;

const PYTHON_EXAMPLE = `import base64, hashlib, hmac
from standardwebhooks.webhooks import Webhook

def verify(body: bytes, headers: dict, secret: str):
    Webhook(secret).verify(body, headers)            # Standard Webhooks
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    if not any(hmac.compare_digest(s, expected) for s in headers["x-signature"].split(",")):
        raise ValueError("bad x-signature")`;

/** In-app documentation for receivers: the payload, the headers and how to check both signatures. */
export function ReceiverDocs() {
  return (
    <div className="space-y-4 text-sm text-slate-700" id="receiver-docs">
      <p>
        Every event is a <code className="font-mono text-xs">POST</code> with a JSON body{" "}
        <code className="font-mono text-xs">{`{ "event", "account_id", "created_on", "data" }`}</code> (<code className="font-mono text-xs">created_on</code> in
        unix seconds) and these headers:
      </p>
      <ul className="list-disc space-y-1 pl-5">
        <li>
          <code className="font-mono text-xs">x-signature</code>: base64 HMAC-SHA256 of the raw body, keyed with the secret string exactly as shown (<code className="font-mono text-xs">whsec_…</code>).
        </li>
        <li>
          <code className="font-mono text-xs">webhook-id</code>, <code className="font-mono text-xs">webhook-timestamp</code>, <code className="font-mono text-xs">webhook-signature</code>: the{" "}
          <a className="text-brand-700 underline" href="https://www.standardwebhooks.com/">Standard Webhooks</a> headers, verified by its libraries (npm and PyPI <code className="font-mono text-xs">standardwebhooks</code>) with the same secret.
        </li>
      </ul>
      <p>
        Delivery is at least once and in order per endpoint, within the endpoint&apos;s rate limit. Answer 2xx within 15 seconds; anything else is retried with exponential backoff for about a day, after which the
        endpoint is disabled and admins are alerted. 410 Gone disables it at once. Redirects are not followed. After a secret rotation both the old and new secret sign for 24 hours.
      </p>
      <details>
        <summary className="cursor-pointer font-medium text-brand-700">Node.js example</summary>
        <pre tabIndex={0} className="mt-2 overflow-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100">{NODE_EXAMPLE}</pre>
      </details>
      <details>
        <summary className="cursor-pointer font-medium text-brand-700">Python example</summary>
        <pre tabIndex={0} className="mt-2 overflow-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100">{PYTHON_EXAMPLE}</pre>
      </details>
    </div>
  );
}
