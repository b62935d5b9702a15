import http from "node:http";
import https from "node:https";
import { canonicalIp, guardedLookup, judgeAddress, RefusedAddressError, resolveAllowed, type AddressPolicy } from "./address-policy";

export const DELIVERY_TIMEOUT_MS = 15_000;
export const RESPONSE_EXCERPT_BYTES = 2048;

export type HttpOutcome =
  | { kind: "response"; status: number; headers: Record<string, string>; excerpt: string; latencyMs: number; remoteAddress: string | null }
  | { kind: "refused"; error: string; latencyMs: number }
  | { kind: "error"; error: string; latencyMs: number; remoteAddress: string | null };

// Keep-alive pools: a socket is only ever opened through the guarded lookup, so reusing it is safe.
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 8, maxFreeSockets: 4, timeout: 30_000 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 8, maxFreeSockets: 4, timeout: 30_000 }),
};

/**
 * One HTTP request to a webhook target: the refusal list checked at connect time, no redirects
 * followed (a 3xx is just an answer), a hard deadline, and only the first bytes of the answer kept.
 */
export async function requestWebhook(
  policy: AddressPolicy,
  input: { method: "POST" | "GET"; url: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; maxBytes?: number },
): Promise<HttpOutcome> {
  const started = performance.now();
  const hostname = new URL(input.url).hostname;
  // Every request re-checks the name, even when a kept-alive socket would be reused: a name that now
  // points somewhere refused is refused, whatever an older connection was checked against.
  if (!canonicalIp(hostname)) {
    try {
      await resolveAllowed(policy, hostname);
    } catch (error) {
      return { kind: "refused", error: (error as Error).message, latencyMs: Math.round(performance.now() - started) };
    }
  }
  return send(policy, input, started);
}

function send(
  policy: AddressPolicy,
  input: { method: "POST" | "GET"; url: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; maxBytes?: number },
  started: number,
): Promise<HttpOutcome> {
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(input.url);
  const literal = canonicalIp(url.hostname);
  // net.connect skips `lookup` for IP literals, so those are judged here.
  if (literal) {
    const verdict = judgeAddress(policy, { hostname: url.hostname, address: literal.address });
    if (!verdict.ok) return Promise.resolve({ kind: "refused", error: `Refused: ${verdict.reason}`, latencyMs: elapsed() });
  }
  const isHttps = url.protocol === "https:";
  const body = input.body === undefined ? undefined : Buffer.from(input.body, "utf8");
  const maxBytes = input.maxBytes ?? RESPONSE_EXCERPT_BYTES;
  const timeoutMs = input.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  let remoteAddress: string | null = literal?.address ?? null;
  let refusal: string | null = null;
  return new Promise<HttpOutcome>((resolve) => {
    let settled = false;
    const finish = (o: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(o);
    };
    const req = (isHttps ? https : http).request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || (isHttps ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: input.method,
        agent: isHttps ? agents.https : agents.http,
        headers: {
          "user-agent": "Postline-Webhooks/1.0",
          ...(body ? { "content-type": "application/json", "content-length": String(body.byteLength) } : {}),
          ...input.headers,
        },
        lookup: guardedLookup(policy, (a) => (remoteAddress = a)) as never,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () =>
          finish({
            kind: "response",
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v ?? "")])),
            excerpt: Buffer.concat(chunks).subarray(0, maxBytes).toString("utf8"),
            latencyMs: elapsed(),
            remoteAddress: res.socket?.remoteAddress ?? remoteAddress,
          });
        res.on("data", (c: Buffer) => {
          if (size < maxBytes) chunks.push(c);
          size += c.byteLength;
          // Past the excerpt nothing more is needed: stop reading a large answer.
          if (size > maxBytes * 4) {
            done();
            res.destroy();
          }
        });
        res.on("end", done);
        res.on("error", done);
        res.on("close", done);
      },
    );
    const deadline = setTimeout(() => {
      req.destroy(new Error(`No answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EREFUSEDADDRESS" || error instanceof RefusedAddressError) refusal = error.message;
      if (refusal) finish({ kind: "refused", error: refusal, latencyMs: elapsed() });
      else finish({ kind: "error", error: error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message, latencyMs: elapsed(), remoteAddress });
    });
    if (body) req.end(body);
    else req.end();
  });
}
