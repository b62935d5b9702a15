/**
 * The wire between the app and Postmark: a pass-through proxy in the drill's process that can note
 * each call (when it arrived, when it was answered and how, and for which recipients), so a drill can
 * check what the app did after a 429 without trusting the app's own account of it. Hangs and dropped
 * connections pass through as they are.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { keepAliveAgent } from "@/lib/tooling/keep-alive-agent";

export interface WireCall {
  path: string;
  startedAt: number;
  answeredAt: number;
  /** 0 when no answer came (the connection was dropped or the caller gave up). */
  status: number;
  recipients: string[];
}

function recipientsOf(body: Buffer): string[] {
  try {
    const json = JSON.parse(body.toString("utf8")) as { To?: string } | { To?: string }[];
    return (Array.isArray(json) ? json : [json]).map((m) => String(m.To ?? ""));
  } catch {
    return [];
  }
}

export async function startWire(target: string) {
  const calls: WireCall[] = [];
  let recording = false;
  const agent = keepAliveAgent({ maxSockets: 256 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const call: WireCall = { path: `${req.method} ${(req.url ?? "").split("?")[0]}`, startedAt: Date.now(), answeredAt: 0, status: 0, recipients: recording && req.url?.startsWith("/email") ? recipientsOf(body) : [] };
      const upstream = http.request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers, agent }, (answer) => {
        call.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on("end", () => (call.answeredAt = Date.now()));
      });
      upstream.on("error", () => {
        call.answeredAt = Date.now();
        res.destroy();
      });
      res.on("close", () => {
        if (!call.answeredAt) call.answeredAt = Date.now();
        if (!res.writableFinished) upstream.destroy();
      });
      if (recording) calls.push(call);
      upstream.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    record(on: boolean) {
      recording = on;
      if (on) calls.length = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type Wire = Awaited<ReturnType<typeof startWire>>;
