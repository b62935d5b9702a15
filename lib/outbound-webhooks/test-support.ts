import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Db } from "@/db";
import { claimDeliveries, performDelivery, type AttemptVerdict } from "./delivery-loop";
import type { OutboundDeps } from "./deps";
import { createEndpoint, verificationFileUrl, verifyEndpoint, type CreateEndpointInput } from "./endpoints";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export type Responder = (req: ReceivedRequest) => { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };

/**
 * A webhook receiver on 127.0.0.1 for tests and the benchmark: records what arrives and answers as
 * `respond` says (200 by default). `files` serves GET paths (the verification file).
 */
export async function startReceiver(options: { respond?: Responder; files?: Record<string, string>; latencyMs?: number; keepBodies?: boolean } = {}) {
  const received: ReceivedRequest[] = [];
  const files = { ...(options.files ?? {}) };
  let respond: Responder = options.respond ?? (() => ({ status: 200, body: "ok" }));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: ReceivedRequest = {
        method: req.method ?? "",
        path: req.url ?? "/",
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v ?? "")])),
        body: options.keepBodies === false ? "" : Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
      };
      if (req.method === "GET") {
        const file = files[(req.url ?? "").split("?")[0]];
        res.writeHead(file === undefined ? 404 : 200, { "content-type": "text/plain" });
        res.end(file ?? "not found");
        return;
      }
      received.push(r);
      const answer = respond(r);
      const send = () => {
        res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
        res.end(answer.body ?? "");
      };
      const delay = answer.delayMs ?? options.latencyMs ?? 0;
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path = "/hooks/postline") => `http://127.0.0.1:${port}${path}`,
    received,
    files,
    setResponder(r: Responder) {
      respond = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * An endpoint on `receiver`, verified through its file, so events reach it (for tests). Subscribed to
 * the events tests use; `settings` overrides the rest.
 */
export async function createVerifiedEndpoint(
  db: Db,
  { receiver, settings }: { receiver: Receiver; settings?: Partial<CreateEndpointInput> },
  deps: OutboundDeps,
) {
  const endpoint = await createEndpoint(db, { settings: { events: ["Email.Delivered", "Webhook.Test", "Email.Sent"], url: receiver.url("/hooks/postline"), rate_limit: 1000, rate_limit_period: "second", ...settings } }, deps);
  receiver.files[new URL(verificationFileUrl(endpoint.url, endpoint.verificationToken)).pathname] = endpoint.verificationToken;
  const verified = await verifyEndpoint(db, endpoint.id, deps);
  if (!verified.ok) throw new Error(`the test endpoint did not verify: ${verified.message}`);
  return verified.endpoint;
}

/** One claim round: claims what is due at the current (injected) time and delivers it. */
export async function deliverRound(db: Db, deps: OutboundDeps): Promise<AttemptVerdict[]> {
  const { claimed } = await claimDeliveries(db, { max: 50 }, deps);
  return Promise.all(claimed.map((c) => performDelivery(db, c, deps)));
}

/**
 * Delivers everything due at the current (injected) time, one claim round after another, without
 * lingering or sleeping: the deterministic step tests drive with a fake clock.
 */
export async function deliverDue(db: Db, deps: OutboundDeps): Promise<AttemptVerdict[]> {
  const verdicts: AttemptVerdict[] = [];
  for (let round = 0; round < 1000; round++) {
    const claimed = await deliverRound(db, deps);
    if (claimed.length === 0) break;
    verdicts.push(...claimed);
  }
  return verdicts;
}
