/**
 * Pieces every drill uses: the result row, HTTP from chosen loopback source addresses, seeding an
 * audience and sending a campaign through the public API, driving the cron routes as the platform
 * would, and counting what the sandbox (our stand-in for Postmark) really accepted.
 */
import http from "node:http";
import { sql } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import type { SandboxMessage } from "@/lib/local/postmark-sandbox/server";
import { api } from "../../../bench/support";
import { ADMIN_EMAIL, type DrillSystem } from "./system";
import { keepAliveAgent } from "@/lib/tooling/keep-alive-agent";

export interface DrillResult {
  drill: string;
  load: string;
  faults: string;
  requests: number;
  lost: number;
  duplicated: number;
  /** Every broken promise, in words; empty means the drill passed. */
  failures: string[];
  /** Figures worth reporting that are not pass/fail (latencies, counts). */
  notes: string[];
}

export type Size = "short" | "full";

export function newResult(drill: string, load: string, faults: string): DrillResult {
  return { drill, load, faults, requests: 0, lost: 0, duplicated: 0, failures: [], notes: [] };
}

export function check(result: DrillResult, ok: boolean, failure: string): void {
  if (!ok) result.failures.push(failure);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const tag = () => Math.random().toString(36).slice(2, 8);

// ---------------------------------------------------------------------------------------------------
// HTTP with a chosen source address (127.0.0.x): the app sees distinct clients, all on loopback.

const agents = new Map<string, http.Agent>();
function agentFor(localAddress: string): http.Agent {
  let agent = agents.get(localAddress);
  if (!agent) {
    agent = keepAliveAgent({ maxSockets: 64, localAddress });
    agents.set(localAddress, agent);
  }
  return agent;
}

export interface HttpAnswer {
  status: number;
  ms: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer; from?: string; timeoutMs?: number; fresh?: boolean } = {},
): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const via = options.fresh ? { agent: false as const, localAddress: options.from ?? "127.0.0.1" } : { agent: agentFor(options.from ?? "127.0.0.1") };
    const req = http.request(url, { method: options.method ?? "POST", headers: options.headers, ...via }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
      res.on("error", reject);
    });
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(options.body);
  });
}

export function closeAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/** Runs `task` for items with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i], i);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// The app, through its public API and cron routes.

export function apiOf(sys: DrillSystem) {
  return api(sys.baseUrl, sys.apiKey);
}

/** The cron routes in vercel.json, by job. */
export type CronJob = "send" | "deliver-webhooks" | "alert-digests" | "reconcile";

/** One cron call, as Vercel Cron (or the launcher) makes it; failures (app down, database down) are normal in a drill. */
export async function cron(sys: DrillSystem, job: CronJob): Promise<number> {
  return cronAt(sys.baseUrl, sys.cronSecret, job);
}

/** The same call at one address (one instance of several). */
export async function cronAt(baseUrl: string, cronSecret: string, job: CronJob): Promise<number> {
  try {
    const res = await fetch(`${baseUrl}/api/cron/${job}`, { headers: { authorization: `Bearer ${cronSecret}` }, signal: AbortSignal.timeout(120_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** A list of `n` new contacts; addresses are `<local>+<tag>-<i>@drill.test` so outcomes can be forced. */
export async function seedAudience(sys: DrillSystem, run: string, n: number, local: (i: number) => string = () => "r"): Promise<{ listId: string; emails: string[] }> {
  const call = apiOf(sys);
  const list = await call<{ data: { id: string } }>("POST", "/api/v1/lists", { name: `drill ${run}` });
  if (list.status !== 201) throw new Error(`creating the list failed: ${list.status} ${JSON.stringify(list.body)}`);
  const emails = Array.from({ length: n }, (_, i) => `${local(i)}+${run}-${i}@drill.test`);
  for (let i = 0; i < n; i += 5_000) {
    const res = await call("POST", "/api/v1/contacts", emails.slice(i, i + 5_000).map((email) => ({ email, list_ids: [list.body.data.id] })));
    if (res.status !== 200) throw new Error(`seeding failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  return { listId: list.body.data.id, emails };
}

export interface CampaignView {
  id: string;
  status: string;
  progress: { recipients: number; processed: number };
  stats: Record<string, number>;
}

export async function sendCampaign(sys: DrillSystem, run: string, listId: string): Promise<string> {
  const call = apiOf(sys);
  const created = await call<{ data: CampaignView }>("POST", "/api/v1/campaigns", {
    name: `drill ${run}`,
    subject: `Drill ${run}`,
    html: '<p>Hello from the drill. <a href="https://example.com/read">Read</a></p>',
    list_ids: [listId],
  });
  if (created.status !== 201) throw new Error(`campaign create failed: ${created.status} ${JSON.stringify(created.body)}`);
  const sent = await call("POST", `/api/v1/campaigns/${created.body.data.id}/send`);
  if (sent.status !== 202) throw new Error(`campaign send failed: ${sent.status} ${JSON.stringify(sent.body)}`);
  return created.body.data.id;
}

export async function getCampaign(sys: DrillSystem, id: string): Promise<CampaignView | null> {
  const res = await apiOf(sys)<{ data: CampaignView }>("GET", `/api/v1/campaigns/${id}`).catch(() => null);
  return res?.status === 200 ? res.body.data : null;
}

/**
 * Waits until the campaign is sent, calling the sending cron every `tickMs` as the platform's cron
 * would (the app also chains its own runs). `during` runs on each poll and may stop the wait.
 */
export async function waitForCampaign(sys: DrillSystem, id: string, options: { timeoutMs: number; tickMs?: number; during?: (c: CampaignView | null) => Promise<void> }): Promise<CampaignView | null> {
  const deadline = Date.now() + options.timeoutMs;
  let lastTick = 0;
  let last: CampaignView | null = null;
  while (Date.now() < deadline) {
    if (Date.now() - lastTick >= (options.tickMs ?? 3_000)) {
      lastTick = Date.now();
      void cron(sys, "send");
    }
    last = await getCampaign(sys, id);
    await options.during?.(last);
    if (last?.status === "sent") return last;
    await sleep(250);
  }
  return last;
}

/**
 * Keeps the minute crons going (sending, outbound delivery, alert digests; one call in flight per job:
 * outbound delivery lingers up to 40 s while endpoints are active) until `done`, checked every `everyMs`.
 */
export async function tickUntil(sys: DrillSystem, done: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const jobs: CronJob[] = ["send", "deliver-webhooks", "alert-digests"];
  const inFlight = new Map<CronJob, Promise<unknown>>();
  while (Date.now() < deadline) {
    if (await done()) return true;
    for (const job of jobs) if (!inFlight.has(job)) inFlight.set(job, cron(sys, job).finally(() => inFlight.delete(job)));
    await sleep(everyMs);
  }
  return done();
}

/** From the sandbox's own records: recipients who got the mail more than once, and who never got it. */
export function countSends(messages: SandboxMessage[], emails: string[]): { accepted: number; duplicated: number; missing: number } {
  const wanted = new Set(emails);
  const per = new Map<string, number>();
  for (const m of messages) {
    const to = m.recipients.find((r) => wanted.has(r));
    if (to) per.set(to, (per.get(to) ?? 0) + 1);
  }
  let duplicated = 0;
  for (const n of per.values()) if (n > 1) duplicated += n - 1;
  return { accepted: per.size, duplicated, missing: emails.length - per.size };
}

/** A Postmark Delivery webhook body for a MessageID we may not know (kept as an orphan if so). */
export function deliveryPayload(messageId: string, recipient: string): string {
  return JSON.stringify({ RecordType: "Delivery", ServerID: 1, MessageStream: "broadcast", MessageID: messageId, Recipient: recipient, Tag: "", DeliveredAt: new Date().toISOString(), Details: "Test delivery webhook details", Metadata: {} });
}

export function webhookUrl(sys: DrillSystem): string {
  return `${sys.baseUrl}/api/webhooks/postmark`;
}

/** Alert emails the sandbox accepted for the admins (the alert emailer tags them). */
export function alertEmails(sys: DrillSystem): SandboxMessage[] {
  return sys.sandbox.messages().filter((m) => m.tag === "postline-alert");
}

/**
 * A `cookie` header with a dashboard session for the first admin, signed as next-auth signs its own
 * (JWT strategy, AUTH_SECRET), so a drill can reach the dashboard's route handlers without a browser.
 * The app's URL is http, so the cookie has no __Secure- prefix.
 */
export async function adminSessionCookie(sys: DrillSystem): Promise<string> {
  const [admin] = (await sys.db.execute<{ id: string; name: string | null }>(sql`select id, name from users where email = ${ADMIN_EMAIL}`)).rows;
  if (!admin) throw new Error(`no user ${ADMIN_EMAIL}`);
  const token = await encode({ token: { sub: admin.id, role: "admin", email: ADMIN_EMAIL, name: admin.name }, secret: sys.authSecret, maxAge: 3600 });
  return `next-auth.session-token=${token}`;
}
