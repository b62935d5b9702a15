/**
 * A load balancer in the drill's process, in front of several app instances, as a platform puts one in
 * front of its functions: each request goes to the next instance in turn; a request that cannot connect
 * (the instance is dead: nothing reached it) goes to the next one; a request that dies after reaching an
 * instance is answered 502, as a real balancer would, and the caller retries or not as it would in
 * production (Postmark retries its webhooks, the drill's API calls poll again). It counts what each
 * instance answered, so a drill can show the work was spread.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { keepAliveAgent } from "@/lib/tooling/keep-alive-agent";

export interface Balancer {
  url: string;
  /** Requests answered by each target (by its URL), and the ones no target could take. */
  answered: Map<string, number>;
  /** Requests answered 502, by the error that ended them (ECONNRESET: the instance died under the request). */
  failed: Map<string, number>;
  close(): Promise<void>;
}

export async function startBalancer(targets: string[], port = 0): Promise<Balancer> {
  const answered = new Map<string, number>(targets.map((t) => [t, 0]));
  const agent = keepAliveAgent({ maxSockets: 512 });
  let next = 0;
  const failed = new Map<string, number>();

  /** Sends to `targets[index]`; after a refusal, to the one after it (never the same one twice). */
  function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, index: number, tried: number) {
    const target = targets[index % targets.length];
    const upstream = http.request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers, agent }, (answer) => {
      answered.set(target, (answered.get(target) ?? 0) + 1);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      // Refused: the request never reached that instance, so another may take it. A kept-alive socket
      // reset before any answer may have delivered the request to an instance that then died: only
      // reads are sent again (as balancers retry idempotent requests only).
      const neverReached = error.code === "ECONNREFUSED";
      const safeToRepeat = upstream.reusedSocket && error.code === "ECONNRESET" && (req.method === "GET" || req.method === "HEAD");
      if ((neverReached || safeToRepeat) && tried + 1 < targets.length) return forward(req, res, body, index + 1, tried + 1);
      failed.set(error.code ?? "error", (failed.get(error.code ?? "error") ?? 0) + 1);
      res.writeHead(502, { "content-type": "text/plain" }).end("bad gateway");
    });
    upstream.end(body);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => forward(req, res, Buffer.concat(chunks), next++, 0));
    req.on("error", () => res.destroy());
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answered,
    failed,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
