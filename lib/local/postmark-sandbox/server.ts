/**
 * The Postmark sandbox: a local HTTP server that answers the part of Postmark's API Postline uses, with
 * Postmark's JSON shapes and error codes, then posts webhooks for what "happened" to each message.
 * See shared ARCHITECTURE.md, "The Postmark sandbox". Control endpoints for tests and drills live under
 * `/__sandbox/` and need the same server token.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SandboxEngine, engineDefaults } from "./engine";
import { checkFaults, decideFault } from "./faults";
import { AccountState, HttpError, isAccountPath, managementRoute, type ManagementContext } from "./management";
import { inactiveMessage, messageDetails } from "./payloads";
import { lowerCaseQuery, searchOutbound } from "./search";
import { checkSendRequest, type SendInput } from "./send-request";
import { DEFAULT_STREAMS, WebhookApiError, WebhooksApi } from "./webhooks-api";
import type { SandboxDomain, SandboxFaults, SandboxMessage, SandboxOptions, SandboxRates, SandboxSender, SandboxStats, SandboxSuppression, SandboxWebhook } from "./types";

export type { SandboxDomain, SandboxFaults, SandboxMessage, SandboxOptions, SandboxRates, SandboxSender, SandboxStats, SandboxSuppression, SandboxWebhook } from "./types";

export interface PostmarkSandbox {
  /** `http://host:port`, ready for `createPostmarkClient({ apiUrl })`. */
  url: string;
  port: number;
  serverToken: string;
  close(): Promise<void>;
  configureWebhook(webhook: SandboxWebhook | null): void;
  /** Replaces the faults (an empty object turns them all off). */
  setFaults(faults: SandboxFaults): void;
  setRates(rates: Partial<SandboxRates>): void;
  /** Changes the event delay and the webhook drop rate. */
  setDelivery(options: { delayMs?: number; dropRate?: number }): void;
  /** Every accepted message, oldest first, with its events so far. The objects are live: do not mutate. */
  messages(): SandboxMessage[];
  getMessage(messageId: string): SandboxMessage | undefined;
  /** Suppresses an address on a stream without a webhook, so the next send to it gets 406. */
  markInactive(email: string, stream?: string): void;
  /** A suppression made in Postmark's UI (or by the recipient, or Postmark's staff): no webhook, any reason and origin. */
  suppress(input: { email: string; stream?: string; reason: SandboxSuppression["reason"]; origin: SandboxSuppression["origin"] }): void;
  /** The stream's suppression list as the dump API would answer it. */
  suppressions(stream?: string): SandboxSuppression[];
  /** Replaces the account's domains and sender signatures (account APIs). */
  setDomains(domains: Partial<SandboxDomain>[]): void;
  setSenders(senders: Partial<SandboxSender>[]): void;
  stats(): SandboxStats;
  /** Resolves once no event waits to fire and no webhook post is queued, in flight or waiting to retry. */
  /** See SandboxEngine.flush: events due beyond `horizonMs` (default: `timeoutMs`, 60 s) are not waited for. */
  flushWebhooks(options?: { timeoutMs?: number; horizonMs?: number }): Promise<void>;
  /** Forgets messages, events, suppressions, queued posts and counters (and truncates the data file). */
  reset(): Promise<void>;
}

const MAX_BODY_BYTES = 50 * 1024 * 1024; // Postmark's batch payload limit
const MAX_BATCH = 500;
const DEFAULT_TIMEOUT_HANG_MS = 300_000;

export async function startPostmarkSandbox(options: SandboxOptions): Promise<PostmarkSandbox> {
  if (!options.serverToken) throw new Error("startPostmarkSandbox: serverToken is required");
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((m: string) => console.warn(`[postmark-sandbox] ${m}`));
  const defaults = engineDefaults();
  const engine = new SandboxEngine({
    ...defaults,
    webhook: options.webhook ?? null,
    rates: { ...defaults.rates, ...(options.rates ?? {}) },
    delayMs: options.delayMs ?? defaults.delayMs,
    dropRate: options.dropRate ?? defaults.dropRate,
    retryScheduleMs: options.retryScheduleMs ?? defaults.retryScheduleMs,
    webhookTimeoutMs: options.webhookTimeoutMs ?? defaults.webhookTimeoutMs,
    webhookConcurrency: options.webhookConcurrency ?? defaults.webhookConcurrency,
    dataFile: options.dataFile,
    keepBodies: options.keepBodies ?? defaults.keepBodies,
    serverId: options.serverId ?? defaults.serverId,
    random,
    engagementRandom: options.engagementRandom ?? Math.random,
    pace: options.pace ?? defaults.pace,
    clock: options.clock ?? defaults.clock,
    now,
    log,
  });
  // Validate the same way the control API does, so a bad option fails at start.
  engine.setRates(options.rates ?? {});
  engine.setDelivery({ delayMs: options.delayMs, dropRate: options.dropRate });
  if (options.webhook) engine.configureWebhook(options.webhook);
  let faults: SandboxFaults = checkFaults(options.faults ?? {});
  let forced429Left = faults.first429Sends ?? 0;
  const apiCalls: Record<string, number> = {};
  const faultCounts = { latency: 0, rate429: 0, rate5xx: 0, timeouts: 0 };
  const hanging = new Set<http.ServerResponse>();
  const serverToken = options.serverToken;
  const streams = options.messageStreams ?? DEFAULT_STREAMS;
  const webhooksApi = new WebhooksApi(engine.store, () => streams);
  const account = new AccountState();
  account.setDomains(options.domains ?? []);
  account.setSenders(options.senders ?? []);
  let suppressionDelayMs = options.suppressionDelayMs ?? 0;
  const management: ManagementContext = { engine, serverId: options.serverId ?? defaults.serverId, account, suppressionDelayMs: () => suppressionDelayMs, parseJson };

  await engine.open();

  const stats = (): SandboxStats => ({ apiCalls: { ...apiCalls }, faults: { ...faultCounts }, ...engine.stats() });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sandbox.local");
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const route = routeName(method, path);
    apiCalls[route] = (apiCalls[route] ?? 0) + 1;

    // Domains and sender signatures take the account token; everything else (control API included) the server token.
    const kind = isAccountPath(path) ? "Account" : "Server";
    const token = req.headers[`x-postmark-${kind.toLowerCase()}-token`];
    if (token === undefined || token !== (kind === "Account" ? options.accountToken : serverToken)) {
      // Postmark answers an unknown or missing token with HTTP 401 and ErrorCode 10.
      await drain(req);
      return send(res, 401, {
        ErrorCode: 10,
        Message: token
          ? `The ${kind} Token you provided in the X-Postmark-${kind}-Token request header was invalid. Please verify that you are using a valid token.`
          : `No ${kind} Token was provided in the X-Postmark-${kind}-Token request header.`,
      });
    }

    if (path.startsWith("/__sandbox/")) return control(method, path, url, req, res);

    // Faults apply to Postmark's API only: the control API must keep working during a drill.
    const latency = faults.latencyMs ?? 0;
    const body = method === "POST" || method === "PUT" || method === "PATCH" ? await readBody(req) : null;
    if (latency > 0) {
      faultCounts.latency++;
      await sleep(latency);
    }
    const isSend = method === "POST" && (path === "/email" || path === "/email/batch");
    const fault = isSend && forced429Left > 0 ? (forced429Left--, "429") : decideFault(faults, random);
    if (fault === "429") {
      faultCounts.rate429++;
      return send(res, 429, { ErrorCode: 429, Message: "Rate limit exceeded. Please slow down and retry later (sandbox fault)." });
    }
    if (fault === "5xx") {
      faultCounts.rate5xx++;
      return send(res, 500, { ErrorCode: 0, Message: "Internal server error (sandbox fault)." });
    }
    if (fault === "timeout") {
      faultCounts.timeouts++;
      // The request is processed (a send is accepted) unless timeoutAccepts is false; only the answer is lost.
      if (faults.timeoutAccepts !== false) api(method, path, url, body);
      hang(res);
      return;
    }
    const answer = api(method, path, url, body);
    send(res, answer.status, answer.body);
  }

  function api(method: string, path: string, url: URL, body: Buffer | null): { status: number; body: unknown } {
    try {
      return { status: 200, body: apiRoute(method, path, url, body) };
    } catch (error) {
      if (error instanceof HttpError) return { status: error.status, body: { ErrorCode: error.errorCode, Message: error.message } };
      // Postmark answers every Webhooks API refusal with HTTP 422 and its ErrorCode.
      if (error instanceof WebhookApiError) return { status: 422, body: { ErrorCode: error.errorCode, Message: error.message } };
      throw error;
    }
  }

  function apiRoute(method: string, path: string, url: URL, body: Buffer | null): unknown {
    if (method === "POST" && path === "/email") {
      const check = checkSendRequest(parseJson(body));
      if (!check.ok) {
        engine.countRejected();
        throw new HttpError(422, check.errorCode, check.message);
      }
      const inactive = engine.inactiveRecipients(check.input);
      if (inactive.length) {
        engine.countRejected();
        throw new HttpError(422, 406, inactiveMessage(inactive));
      }
      const [m] = engine.accept([check.input]);
      return { To: m.to, SubmittedAt: m.submittedAt, MessageID: m.messageId, ErrorCode: 0, Message: "OK" };
    }
    if (method === "POST" && path === "/email/batch") {
      const list = parseJson(body);
      if (!Array.isArray(list)) throw new HttpError(422, 402, "Received invalid JSON input: a batch must be a JSON array of messages.");
      if (list.length > MAX_BATCH) {
        throw new HttpError(422, 410, `You may send up to ${MAX_BATCH} messages in a batch request; this request had ${list.length}.`);
      }
      // Each entry is judged alone, answered in request order; a failed entry has only ErrorCode and Message.
      const results: unknown[] = new Array(list.length);
      const accepted: { index: number; input: SendInput }[] = [];
      list.forEach((entry, index) => {
        const check = checkSendRequest(entry);
        if (!check.ok) {
          results[index] = { ErrorCode: check.errorCode, Message: check.message };
          return;
        }
        const inactive = engine.inactiveRecipients(check.input);
        if (inactive.length) results[index] = { ErrorCode: 406, Message: inactiveMessage(inactive) };
        else accepted.push({ index, input: check.input });
      });
      engine.countRejected(list.length - accepted.length);
      const messages = engine.accept(accepted.map((a) => a.input));
      accepted.forEach((a, i) => {
        const m = messages[i];
        results[a.index] = { ErrorCode: 0, Message: "OK", MessageID: m.messageId, SubmittedAt: m.submittedAt, To: m.to };
      });
      return results;
    }
    if (method === "GET" && path === "/messages/outbound") {
      const result = searchOutbound(engine.store, url.searchParams);
      if (!result.ok) throw new HttpError(422, result.errorCode, result.message);
      return result.body;
    }
    let match = /^\/messages\/outbound\/([^/]+)(\/details|\/dump)?$/.exec(path);
    if (method === "GET" && match) {
      const id = decodeURIComponent(match[1]);
      const m = engine.store.get(id);
      if (!m) throw new HttpError(422, 701, `This message was not found or is not available: ${id}.`);
      // postmark.js up to 4.0.5 asked for /messages/outbound/{id} without /details; both get details.
      return match[2] === "/dump" ? { Body: messageDetails(m).Body } : messageDetails(m);
    }
    // Paths and query keys case-insensitively: postmark.js and the docs spell them differently.
    match = /^\/webhooks(?:\/([^/]+))?$/i.exec(path);
    if (match) {
      const id = match[1] === undefined ? null : Number(match[1]);
      if (id !== null && !Number.isInteger(id)) throw new WebhookApiError(1352, `The webhook with ID '${match[1]}' was not found.`);
      if (id === null && method === "GET") return webhooksApi.list(lowerCaseQuery(url.searchParams));
      if (id === null && method === "POST") return webhooksApi.create(parseWebhookBody(body));
      if (id !== null && method === "GET") return webhooksApi.get(id);
      if (id !== null && method === "PUT") return webhooksApi.edit(id, parseWebhookBody(body));
      if (id !== null && method === "DELETE") return webhooksApi.delete(id);
    }
    const managed = managementRoute(management, method, path, url, body);
    if (managed !== undefined) return managed;
    throw new HttpError(404, 0, `The sandbox does not serve ${method} ${path}.`);
  }

  async function control(method: string, path: string, url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = method === "POST" ? await readBody(req) : null;
    const input = () => (body && body.length ? (parseJson(body) as Record<string, unknown>) : {});
    try {
      if (method === "GET" && path === "/__sandbox/messages") {
        const q = lowerCaseQuery(url.searchParams);
        const recipient = q.get("recipient");
        let list = recipient ? engine.store.forRecipient(recipient) : engine.store.all();
        for (const [k, v] of q) if (k.startsWith("metadata_")) list = list.filter((m) => Object.entries(m.metadata).some(([mk, mv]) => mk.toLowerCase() === k.slice(9) && mv === v));
        const offset = Number(q.get("offset") ?? 0) || 0;
        const limit = Number(q.get("limit") ?? 10_000) || 10_000;
        return send(res, 200, { TotalCount: list.length, Messages: list.slice(offset, offset + limit) });
      }
      if (method === "GET" && path === "/__sandbox/stats") return send(res, 200, stats());
      if (method === "POST" && path === "/__sandbox/faults") {
        faults = checkFaults(input());
        forced429Left = faults.first429Sends ?? 0;
        return send(res, 200, { faults });
      }
      if (method === "POST" && path === "/__sandbox/rates") {
        const { delayMs, dropRate, ...rates } = input();
        engine.setDelivery({ delayMs: delayMs as number | undefined, dropRate: dropRate as number | undefined });
        return send(res, 200, { rates: engine.setRates(rates as Partial<SandboxRates>) });
      }
      if (method === "POST" && path === "/__sandbox/webhook") {
        const w = input();
        engine.configureWebhook(w.url ? (w as unknown as SandboxWebhook) : null);
        return send(res, 200, { webhook: engine.getWebhook() });
      }
      if (method === "POST" && path === "/__sandbox/inactive") {
        const w = input() as { email?: string; stream?: string };
        if (!w.email) throw new HttpError(422, 300, "email is required");
        engine.markInactive(w.email, w.stream ?? "outbound");
        return send(res, 200, { ok: true });
      }
      if (method === "POST" && path === "/__sandbox/suppressions") {
        // A suppression made in Postmark's UI or by Postmark itself: no webhook, reason and origin as given.
        const w = input() as { email?: string; stream?: string; reason?: SandboxSuppression["reason"]; origin?: SandboxSuppression["origin"] };
        if (!w.email) throw new HttpError(422, 300, "email is required");
        engine.markInactive(w.email, w.stream ?? "outbound", w.reason ?? "ManualSuppression", w.origin ?? "Customer");
        return send(res, 200, { ok: true });
      }
      if (method === "POST" && path === "/__sandbox/domains") return send(res, 200, { domains: account.setDomains((input().domains as Partial<SandboxDomain>[]) ?? []) });
      if (method === "POST" && path === "/__sandbox/senders") return send(res, 200, { senders: account.setSenders((input().senders as Partial<SandboxSender>[]) ?? []) });
      if (method === "POST" && path === "/__sandbox/suppression-delay") {
        suppressionDelayMs = Number(input().delayMs ?? 0) || 0;
        return send(res, 200, { delayMs: suppressionDelayMs });
      }
      if (method === "POST" && path === "/__sandbox/flush") {
        const horizonMs = url.searchParams.get("horizonMs");
        await engine.flush({ timeoutMs: Number(url.searchParams.get("timeoutMs") ?? 60_000), horizonMs: horizonMs === null ? undefined : Number(horizonMs) });
        return send(res, 200, stats());
      }
      if (method === "POST" && path === "/__sandbox/reset") {
        await reset();
        return send(res, 200, { ok: true });
      }
      return send(res, 404, { ErrorCode: 0, Message: `Unknown control endpoint ${method} ${path}` });
    } catch (error) {
      if (error instanceof HttpError) return send(res, error.status, { ErrorCode: error.errorCode, Message: error.message });
      return send(res, 422, { ErrorCode: 0, Message: (error as Error).message });
    }
  }

  async function reset() {
    for (const k of Object.keys(apiCalls)) delete apiCalls[k];
    Object.assign(faultCounts, { latency: 0, rate429: 0, rate5xx: 0, timeouts: 0 });
    await engine.reset();
  }

  function hang(res: http.ServerResponse) {
    hanging.add(res);
    const timer = setTimeout(() => res.destroy(), faults.timeoutHangMs ?? DEFAULT_TIMEOUT_HANG_MS);
    timer.unref();
    res.on("close", () => {
      clearTimeout(timer);
      hanging.delete(res);
    });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return send(res, error.status, { ErrorCode: error.errorCode, Message: error.message });
      log(`internal error: ${(error as Error).stack ?? String(error)}`);
      send(res, 500, { ErrorCode: 0, Message: "Internal sandbox error." });
    });
  });
  // A benchmark opens many keep-alive connections; Node's default 5 s keep-alive outlives undici's 4 s.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closed: Promise<void> | null = null;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    serverToken,
    close() {
      closed ??= (async () => {
        for (const res of hanging) res.destroy();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await engine.close();
      })();
      return closed;
    },
    configureWebhook: (webhook) => engine.configureWebhook(webhook),
    setFaults(next) {
      faults = checkFaults(next);
      forced429Left = faults.first429Sends ?? 0;
    },
    setRates: (rates) => void engine.setRates(rates),
    setDelivery: (o) => engine.setDelivery(o),
    messages: () => engine.store.all().slice(),
    getMessage: (id) => engine.store.get(id),
    markInactive: (email, stream) => engine.markInactive(email, stream ?? "outbound"),
    suppress: ({ email, stream, reason, origin }) => engine.markInactive(email, stream ?? "outbound", reason, origin),
    suppressions: (stream) => engine.store.listSuppressions(stream ?? "outbound").slice(),
    setDomains: (list) => void account.setDomains(list),
    setSenders: (list) => void account.setSenders(list),
    stats,
    flushWebhooks: (o) => engine.flush(o),
    reset,
  };
}

/** A stable name per endpoint for stats (ids replaced by placeholders). */
function routeName(method: string, path: string): string {
  const p = path
    .replace(/^\/messages\/outbound\/(?!opens|clicks)[^/]+/, "/messages/outbound/{id}")
    .replace(/^\/message-streams\/[^/]+/, "/message-streams/{stream}")
    .replace(/^\/bounces\/\d+/, "/bounces/{id}")
    .replace(/^\/webhooks\/[^/]+/i, "/webhooks/{id}")
    .replace(/^\/webhooks$/i, "/webhooks")
    .replace(/^\/(domains|senders)\/\d+/i, "/$1/{id}");
  return `${method} ${p}`;
}

/** An empty body is Postmark's 1355, not a JSON error. */
function parseWebhookBody(body: Buffer | null): unknown {
  if (!body || body.length === 0) return null;
  return parseJson(body);
}

function parseJson(body: Buffer | null): unknown {
  try {
    return JSON.parse(body?.toString("utf8") ?? "");
  } catch {
    throw new HttpError(422, 402, "Received invalid JSON input.");
  }
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 0, "Request payload too large.");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function drain(req: http.IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
