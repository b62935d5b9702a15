/**
 * Posts webhook bodies the way Postmark does: JSON, the configured custom headers and basic auth, a
 * per-post timeout, bounded concurrency, and retries on Postmark's schedule for 5xx, 408, 429, network
 * errors and timeouts. Any other non-2xx answer drops the event for good (Postmark's outbound rule).
 */
import http from "node:http";
import https from "node:https";
import { randomUUID } from "node:crypto";
import type { Scheduler } from "./scheduler";
import type { SandboxWebhook } from "./types";

export type PostResult = "posted" | "failed";

export interface WebhookJob {
  /** Where to post, read at post time: a webhook edited while the job waits is posted as it is now; null drops the job. */
  target: () => SandboxWebhook | null;
  /** Built at post time, so queued jobs hold references rather than payloads. */
  body: () => string;
  done: (result: PostResult) => void;
}

interface QueuedJob extends WebhookJob {
  attempt: number;
  traceId: string;
}

export interface PosterCounters {
  posts: number;
  delivered: number;
  failures: number;
  retries: number;
  givenUp: number;
}

export const DEFAULT_RETRY_SCHEDULE_MS = [60e3, 5 * 60e3, 10 * 60e3, 10 * 60e3, 10 * 60e3, 15 * 60e3];
const USER_AGENT = "Postmark (Postline sandbox)";

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export class WebhookPoster {
  private queue: QueuedJob[] = [];
  private head = 0;
  private inFlight = 0;
  private waitingRetries = 0;
  private readonly requests = new Set<http.ClientRequest>();
  private httpAgent: http.Agent;
  private httpsAgent: https.Agent;
  private closed = false;
  // Bumped by clear(): answers to posts started before a reset must not touch the new state.
  private generation = 0;
  readonly counters: PosterCounters = { posts: 0, delivered: 0, failures: 0, retries: 0, givenUp: 0 };

  constructor(
    private readonly opts: {
      scheduler: Scheduler;
      retryScheduleMs: number[];
      timeoutMs: number;
      concurrency: number;
      onSettled: () => void;
      log: (message: string) => void;
    },
  ) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  }

  get pending() {
    return { queued: this.queue.length - this.head, inFlight: this.inFlight, retries: this.waitingRetries };
  }

  get idle(): boolean {
    return this.queue.length === this.head && this.inFlight === 0 && this.waitingRetries === 0;
  }

  enqueue(job: WebhookJob): void {
    if (this.closed) return;
    this.queue.push({ ...job, attempt: 0, traceId: randomUUID() });
    this.pump();
  }

  /** Forgets queued work and aborts posts in flight (reset and close). */
  clear(): void {
    this.generation++;
    this.queue = [];
    this.head = 0;
    this.waitingRetries = 0;
    this.inFlight = 0;
    for (const req of this.requests) req.destroy();
    this.requests.clear();
  }

  close(): void {
    this.closed = true;
    this.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private pump(): void {
    while (this.inFlight < this.opts.concurrency && this.head < this.queue.length) {
      const job = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.inFlight++;
      this.post(job);
    }
  }

  private post(job: QueuedJob): void {
    const target = job.target();
    if (!target) {
      // The webhook was removed while this event waited: Postmark would not post it either.
      this.finish(job, "failed", false);
      return;
    }
    let body: string;
    let url: URL;
    try {
      body = job.body();
      url = new URL(target.url);
    } catch (error) {
      this.opts.log(`webhook job failed before posting: ${(error as Error).message}`);
      this.finish(job, "failed", false);
      return;
    }
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "User-Agent": USER_AGENT,
      "X-PM-Retries-Remaining": String(Math.max(0, this.opts.retryScheduleMs.length - job.attempt)),
      "X-PM-Webhook-Trace-Id": job.traceId,
      ...(target.headers ?? {}),
    };
    const user = target.basicAuth?.username ?? decodeURIComponent(url.username);
    const password = target.basicAuth?.password ?? decodeURIComponent(url.password);
    if (user || password) headers.Authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    headers["Content-Length"] = String(Buffer.byteLength(body));

    const isHttps = url.protocol === "https:";
    const lib = isHttps ? https : http;
    this.counters.posts++;
    let settled = false;
    let status: number | null = null;
    const generation = this.generation;
    const settle = () => {
      if (settled) return;
      settled = true;
      this.requests.delete(req);
      if (generation !== this.generation) return;
      if (status !== null && status >= 200 && status < 300) this.finish(job, "posted", false);
      else this.finish(job, "failed", status === null || isRetryableStatus(status));
    };
    const req = lib.request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || (isHttps ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
        timeout: this.opts.timeoutMs,
      },
      (res) => {
        // The status decides; the body is read only to free the socket for the next post.
        status = res.statusCode ?? 0;
        res.on("data", () => {});
        res.on("end", settle);
        res.on("error", settle);
        res.on("close", settle);
      },
    );
    this.requests.add(req);
    req.on("timeout", () => req.destroy(new Error("webhook post timed out")));
    req.on("error", () => {
      status = null;
      settle();
    });
    req.on("close", settle);
    req.end(body);
  }

  private finish(job: QueuedJob, result: PostResult, retryable: boolean): void {
    this.inFlight--;
    if (result === "posted") {
      this.counters.delivered++;
      job.done("posted");
    } else {
      this.counters.failures++;
      const wait = this.opts.retryScheduleMs[job.attempt];
      if (retryable && wait !== undefined && !this.closed) {
        this.counters.retries++;
        this.waitingRetries++;
        job.attempt++;
        this.opts.scheduler.at(this.opts.scheduler.now() + wait, () => {
          this.waitingRetries--;
          this.queue.push(job);
          this.pump();
        }, "post");
      } else {
        this.counters.givenUp++;
        job.done("failed");
      }
    }
    this.pump();
    if (this.idle) this.opts.onSettled();
  }
}
