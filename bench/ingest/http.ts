/**
 * The HTTP side of the ingestion benchmarks (bench:ingest, bench:engagement): posting a webhook body
 * to the app under test, and a closed loop that keeps N requests in flight for a while.
 */
import http from "node:http";
import { keepAliveAgent } from "@/lib/tooling/keep-alive-agent";

const agent = keepAliveAgent({ maxSockets: 64 });

export function post(port: number, pathname: string, body: string, secret: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, path: pathname, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-webhook-secret": secret } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

export async function closedLoop(port: number, pathname: string, bodies: () => string, secret: string, seconds: number, inFlight = 32) {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        const r = await post(port, pathname, bodies(), secret);
        done++;
        if (r.status === 200) ok++;
      }
    }),
  );
  return { rps: done / seconds, ok };
}
