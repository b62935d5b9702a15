/**
 * What the sandbox does with an accepted message: plan each recipient's outcome, fire the events on a
 * schedule, keep them for the Messages API, suppress addresses that hard-bounced, complained or
 * unsubscribed, and hand webhook posts to the poster.
 */
import { randomUUID } from "node:crypto";
import { bodyLinks, FALLBACK_LINK, personLinkOf, planEngagement, type Pace } from "./machine-traffic";
import { forcedOutcome, planTimeline, randomOutcome, ZERO_RATES, type TimelineStep } from "./outcomes";
import { suppressionChangePayload, webhookPayload } from "./payloads";
import { Scheduler } from "./scheduler";
import type { SendInput } from "./send-request";
import { MessageStore } from "./store";
import type {
  SandboxEvent,
  SandboxMessage,
  SandboxRates,
  SandboxRecipientPlan,
  SandboxStats,
  SandboxSuppression,
  SandboxWebhook,
} from "./types";
import { DEFAULT_RETRY_SCHEDULE_MS, WebhookPoster, type PostResult } from "./webhook-poster";
import { hasWebhookFor, webhookTargets } from "./webhooks-api";

export interface EngineOptions {
  webhook: SandboxWebhook | null;
  rates: SandboxRates;
  delayMs: number;
  dropRate: number;
  retryScheduleMs: number[];
  webhookTimeoutMs: number;
  webhookConcurrency: number;
  dataFile?: string;
  keepBodies: boolean;
  serverId: number;
  random: () => number;
  /** Timing and machine traffic of opens and clicks (see machine-traffic.ts). */
  engagementRandom: () => number;
  /** How soon people read (machine-traffic.ts, `Pace`). */
  pace: Pace;
  /**
   * `virtual`: a simulated clock for in-process runs (benchmarks, tests): it starts at `now()` and
   * stands still until flush() moves it from one due event to the next, so hours of planned opens
   * take no time. `real` (the server's): events wait for the wall clock.
   */
  clock: "real" | "virtual";
  now: () => Date;
  log: (message: string) => void;
}

export function engineDefaults(): Omit<EngineOptions, "random" | "engagementRandom" | "now" | "log"> {
  return {
    webhook: null,
    rates: { ...ZERO_RATES },
    delayMs: 20,
    dropRate: 0,
    retryScheduleMs: DEFAULT_RETRY_SCHEDULE_MS,
    webhookTimeoutMs: 10_000,
    webhookConcurrency: 16,
    keepBodies: true,
    serverId: 4010,
    pace: "fast",
    clock: "real",
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Whether the customer may lift a suppression (see deleteSuppression). */
export function canLift(s: SandboxSuppression): boolean {
  return (s.reason === "ManualSuppression" && s.origin === "Customer") || (s.reason === "HardBounce" && s.origin === "Recipient");
}

export class SandboxEngine {
  readonly store: MessageStore;
  private readonly scheduler: Scheduler;
  private readonly poster: WebhookPoster;
  private webhook: SandboxWebhook | null;
  private rates: SandboxRates;
  private delayMs: number;
  private dropRate: number;
  private pendingEvents = 0;
  private bounceSeq: number;
  private waiters: { horizon: number; done: () => void }[] = [];
  private counters = { sent: 0, rejected: 0, events: 0, dropped: 0, silenced: 0, unconfigured: 0 };
  private readonly bounces: { message: SandboxMessage; event: SandboxEvent }[] = [];

  constructor(private readonly opts: EngineOptions) {
    this.webhook = opts.webhook;
    this.rates = { ...opts.rates };
    this.delayMs = opts.delayMs;
    this.dropRate = opts.dropRate;
    // Bounce IDs look like Postmark's (about ten digits); open() moves past IDs already in the data file.
    this.bounceSeq = 692_560_173;
    this.store = new MessageStore(opts.dataFile, opts.log);
    this.scheduler = new Scheduler(() => this.checkIdle(), opts.clock === "virtual" ? { virtualStart: opts.now().getTime() } : {});
    this.poster = new WebhookPoster({
      scheduler: this.scheduler,
      retryScheduleMs: opts.retryScheduleMs,
      timeoutMs: opts.webhookTimeoutMs,
      concurrency: opts.webhookConcurrency,
      onSettled: () => this.checkIdle(),
      log: opts.log,
    });
  }

  /** Loads the data file and schedules the events that had not fired when the last process stopped. */
  async open(): Promise<void> {
    await this.store.open();
    for (const m of this.store.all()) {
      for (const e of m.events) {
        if (e.bounceId && e.bounceId >= this.bounceSeq) this.bounceSeq = e.bounceId + 1;
        if (e.recordType === "Bounce" || e.recordType === "SpamComplaint") this.bounces.push({ message: m, event: e });
      }
      for (const plan of m.plans) {
        const events = m.events.filter((e) => e.recipient === plan.email);
        const delivery = events.find((e) => e.recordType === "Delivery");
        planTimeline(plan)
          .slice(events.length)
          .forEach((step, i) => {
            // Opens and clicks are due at their time after delivery; those whose delivery has not
            // fired yet are scheduled when it does.
            if (!step.engagement) return this.scheduleStep(m, plan, step, i);
            this.pendingEvents++;
            if (delivery) this.scheduleEngagement(m, plan, step, Date.parse(delivery.at));
          });
      }
    }
  }

  async close(): Promise<void> {
    this.scheduler.stop();
    this.poster.close();
    this.releaseWaiters();
    await this.store.close();
  }

  async reset(): Promise<void> {
    this.scheduler.clear();
    this.poster.clear();
    this.pendingEvents = 0;
    this.bounces.length = 0;
    for (const k of Object.keys(this.counters) as (keyof typeof this.counters)[]) this.counters[k] = 0;
    Object.assign(this.poster.counters, { posts: 0, delivered: 0, failures: 0, retries: 0, givenUp: 0 });
    await this.store.reset();
    this.releaseWaiters();
  }

  configureWebhook(webhook: SandboxWebhook | null): void {
    if (webhook) new URL(webhook.url); // fail here, not at the first post
    this.webhook = webhook ? { ...webhook } : null;
  }

  getWebhook(): SandboxWebhook | null {
    return this.webhook;
  }

  setRates(rates: Partial<SandboxRates>): SandboxRates {
    for (const [k, v] of Object.entries(rates)) {
      if (!(k in ZERO_RATES)) throw new Error(`unknown rate "${k}"`);
      if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`rate "${k}" must be a number between 0 and 1`);
    }
    this.rates = { ...this.rates, ...rates };
    return { ...this.rates };
  }

  getRates(): SandboxRates {
    return { ...this.rates };
  }

  setDelivery(options: { delayMs?: number; dropRate?: number }): void {
    if (options.delayMs !== undefined) {
      if (!(options.delayMs >= 0)) throw new Error("delayMs must be a number >= 0");
      this.delayMs = options.delayMs;
    }
    if (options.dropRate !== undefined) {
      if (!(options.dropRate >= 0 && options.dropRate <= 1)) throw new Error("dropRate must be between 0 and 1");
      this.dropRate = options.dropRate;
    }
  }

  /** The addresses of a message that are inactive on its stream (Postmark's 406). */
  inactiveRecipients(input: SendInput): string[] {
    return input.recipients.filter((r) => this.store.isSuppressed(input.stream, r));
  }

  countRejected(n = 1): void {
    this.counters.rejected += n;
  }

  /** Stores accepted messages and schedules their events. */
  accept(inputs: SendInput[]): SandboxMessage[] {
    const submittedAt = this.now().toISOString();
    const accepted: SandboxMessage[] = inputs.map((input) => {
      const plans = this.planRecipients(input);
      return {
      messageId: randomUUID(),
      to: input.to,
      cc: input.cc,
      bcc: input.bcc,
      recipients: input.recipients,
      from: input.from,
      subject: input.subject,
      tag: input.tag,
      metadata: input.metadata,
      stream: input.stream,
      submittedAt,
      htmlBody: this.opts.keepBodies ? input.htmlBody : input.htmlBody === null ? null : "",
      textBody: this.opts.keepBodies ? input.textBody : input.textBody === null ? null : "",
      headers: input.headers,
      trackOpens: input.trackOpens,
      trackLinks: input.trackLinks,
      attachments: input.attachments,
      plans,
      events: [],
      };
    });
    this.store.addMessages(accepted);
    this.counters.sent += accepted.length;
    for (const m of accepted) {
      for (const plan of m.plans) {
        planTimeline(plan).forEach((step, i) => {
          if (step.engagement) this.pendingEvents++; // scheduled when the delivery fires
          else this.scheduleStep(m, plan, step, i);
        });
      }
    }
    return accepted;
  }

  /**
   * Puts an address on a stream's suppression list without any webhook (test and drill setup, and a
   * suppression made in Postmark's own UI: pass the reason and origin it would have there).
   */
  markInactive(email: string, stream = "outbound", reason: SandboxSuppression["reason"] = "HardBounce", origin?: SandboxSuppression["origin"]): void {
    this.store.suppress({ email, stream, reason, origin: origin ?? (reason === "ManualSuppression" ? "Customer" : "Recipient"), createdAt: this.now().toISOString() });
  }

  /** Suppressions API: a customer suppresses an address; Postmark posts a SubscriptionChange without MessageID. */
  createSuppression(stream: string, email: string): { ok: boolean; message?: string } {
    if (!EMAIL.test(email)) return { ok: false, message: "An invalid email address was provided." };
    const s: SandboxSuppression = { email, stream, reason: "ManualSuppression", origin: "Customer", createdAt: this.now().toISOString() };
    if (!this.store.suppress(s)) return { ok: true };
    this.postSuppressionChange(s, true);
    return { ok: true };
  }

  /**
   * Suppressions API: reactivation. Postmark lets the customer lift only what the customer made
   * (Customer-origin manual suppressions) and hard bounces; never a spam complaint, an unsubscribe the
   * recipient made through Postmark's link, or what Postmark's staff did (Admin).
   */
  deleteSuppression(stream: string, email: string): { ok: boolean; message?: string } {
    if (!EMAIL.test(email)) return { ok: false, message: "An invalid email address was provided." };
    const existing = this.store.listSuppressions(stream).find((s) => s.email.toLowerCase() === email.toLowerCase());
    if (existing && !canLift(existing)) return { ok: false, message: "You do not have the required authority to change this suppression." };
    const removed = this.store.unsuppress(stream, email);
    if (removed) this.postSuppressionChange({ ...removed, origin: "Customer" }, false);
    return { ok: true };
  }

  /** Bounces API activate: lifts the address's hard-bounce suppression on the bounce's stream. */
  activateBounce(stream: string, email: string): void {
    const existing = this.store.listSuppressions(stream).find((s) => s.email.toLowerCase() === email.toLowerCase());
    if (!existing || existing.reason !== "HardBounce") return;
    this.store.unsuppress(stream, email);
    this.postSuppressionChange({ ...existing, origin: "Customer" }, false);
  }

  listBounces() {
    return this.bounces;
  }

  /**
   * Resolves when no event due within `horizonMs` from now is waiting to fire and no webhook post is
   * queued, in flight or waiting to retry. Events due later (a person reading hours after delivery
   * at the `real` pace) are not waited for unless the horizon reaches them; it defaults to
   * `timeoutMs`, so a flush never waits for what it could not see within its timeout. With the
   * virtual clock, flush moves the clock to each due event in turn, up to the horizon.
   */
  async flush(options: { timeoutMs?: number; horizonMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const horizon = this.scheduler.now() + (options.horizonMs ?? timeoutMs);
    const started = Date.now();
    if (this.scheduler.virtual) {
      for (;;) {
        // Let posts in flight settle (their failures schedule retries) before the clock moves on.
        while (this.poster.pending.queued + this.poster.pending.inFlight > 0) {
          if (Date.now() - started > timeoutMs) throw this.flushTimeout(timeoutMs);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const next = this.scheduler.nextDue();
        if (next === undefined || next > horizon) return;
        this.scheduler.advanceTo(next);
      }
    }
    if (this.isSettled(horizon)) return;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(this.flushTimeout(timeoutMs));
      }, timeoutMs);
      const waiter = {
        horizon,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  private flushTimeout(timeoutMs: number): Error {
    return new Error(`sandbox webhooks not flushed within ${timeoutMs} ms (${JSON.stringify(this.stats().pending)})`);
  }

  stats(): Omit<SandboxStats, "apiCalls" | "faults"> {
    const p = this.poster.counters;
    return {
      ...this.counters,
      webhookPosts: p.posts,
      webhookDelivered: p.delivered,
      webhookFailures: p.failures,
      webhookRetries: p.retries,
      webhookGivenUp: p.givenUp,
      pending: { events: this.pendingEvents, ...this.poster.pending },
    };
  }

  private planRecipients(input: SendInput): SandboxRecipientPlan[] {
    const found = bodyLinks(input.htmlBody, input.textBody, unsubscribeLinks(input.headers));
    const links = found.map((l) => l.url);
    // Scanners follow every link, hidden ones too; a person clicks only what they can see.
    const clickLink = personLinkOf(found);
    return input.recipients.map((email) => {
      const forced = forcedOutcome(email);
      const plan: SandboxRecipientPlan = forced
        ? { email, outcome: forced.outcome, silent: forced.silent }
        : { email, outcome: randomOutcome(this.rates, this.opts.random), silent: false };
      const engagement = planEngagement({ outcome: plan.outcome, forced: forced?.machine ?? null, rates: this.rates, random: this.opts.engagementRandom, links, clickLink, pace: this.opts.pace });
      if (engagement) plan.engagement = engagement;
      return plan;
    });
  }

  private scheduleStep(m: SandboxMessage, plan: SandboxRecipientPlan, step: TimelineStep, index: number): void {
    this.pendingEvents++;
    // Each later event of a message waits one more delay, so events are posted in their natural order
    // when the receiver keeps up (concurrent posts may still arrive out of order, as with Postmark).
    this.scheduler.at(this.scheduler.now() + this.delayMs * (index + 1), () => this.fireDue(m, plan, step), "event");
  }

  /** A planned open or click is posted when it happens: `afterMs` after its delivery (already counted as pending). */
  private scheduleEngagement(m: SandboxMessage, plan: SandboxRecipientPlan, step: TimelineStep, deliveredAt: number): void {
    this.scheduler.at(deliveredAt + Math.round(step.engagement!.afterMs), () => this.fireDue(m, plan, step), "event");
  }

  private fireDue(m: SandboxMessage, plan: SandboxRecipientPlan, step: TimelineStep): void {
    this.pendingEvents--;
    if (step.recordType === "Delivery" && plan.engagement) {
      // Due from the delivery as the clock sees it, which is also what its DeliveredAt says; scheduled
      // before the delivery fires, so a flush never sees the recipient settled in between.
      const deliveredAt = this.scheduler.now();
      for (const later of planTimeline(plan)) if (later.engagement) this.scheduleEngagement(m, plan, later, deliveredAt);
    }
    this.fire(m, plan, step);
  }

  private fire(m: SandboxMessage, plan: SandboxRecipientPlan, step: TimelineStep): void {
    let last = 0;
    let deliveredAt: number | null = null;
    for (const e of m.events) {
      if (e.recipient !== plan.email) continue;
      last = Math.max(last, Date.parse(e.at));
      if (e.recordType === "Delivery") deliveredAt = Date.parse(e.at);
    }
    // A planned open or click fires when it is due and is stamped with that time: its delivery's
    // stamp plus its delay, never ahead of the clock. Strictly increasing per recipient, even with a
    // frozen injected clock.
    const now = this.now().getTime();
    const planned = step.engagement && deliveredAt !== null ? Math.min(now, Math.round(deliveredAt + step.engagement.afterMs)) : now;
    const at = new Date(Math.max(planned, last + 1)).toISOString();
    const event: SandboxEvent = { recordType: step.recordType, recipient: plan.email, at, webhook: "pending" };
    if (step.engagement) {
      event.actor = step.engagement.actor;
      event.ip = step.engagement.ip;
      event.truth = step.engagement.truth;
      if (step.recordType === "Open") event.firstOpen = step.engagement.firstOpen ?? true;
    }
    if (step.bounceType) event.bounceType = step.bounceType;
    if (step.suppressionReason) event.suppressionReason = step.suppressionReason;
    if (step.recordType === "Bounce" || step.recordType === "SpamComplaint") {
      event.bounceId = this.bounceSeq++;
      this.bounces.push({ message: m, event });
    }
    if (step.recordType === "Click") event.link = step.engagement?.link ?? pickLink(m);

    const reason = step.recordType === "SpamComplaint" ? "SpamComplaint" : step.bounceType === "HardBounce" ? "HardBounce" : step.suppressionReason;
    if (reason) this.store.suppress({ email: plan.email, stream: m.stream, reason, origin: "Recipient", createdAt: at });

    this.counters.events++;
    const targets = this.targets(m.stream, event.recordType, event.firstOpen);
    if (plan.silent) {
      event.webhook = "silent";
      this.counters.silenced++;
    } else if (!targets.length) {
      event.webhook = "no-webhook";
      this.counters.unconfigured++;
    } else if (this.dropRate > 0 && this.opts.random() < this.dropRate) {
      event.webhook = "dropped";
      this.counters.dropped++;
    }
    this.store.addEvent(m, event);
    if (event.webhook === "pending") {
      const serverId = this.opts.serverId;
      this.enqueueAll(targets, () => JSON.stringify(webhookPayload(m, event, serverId)), (result) => {
        event.webhook = result;
      });
    } else this.checkIdle();
  }

  /**
   * Where an event is posted: the Webhooks API's webhooks of the stream whose trigger is on; while a
   * stream has none, the configured webhook (the `webhook` option, `configureWebhook`, the cli's
   * `--webhook-url`) stands in for it with every trigger on, as a server set up by hand in Postmark's UI.
   */
  private targets(stream: string, recordType: SandboxEvent["recordType"], firstOpen?: boolean): (() => SandboxWebhook | null)[] {
    if (hasWebhookFor(this.store, stream)) return webhookTargets(this.store, { stream, recordType, firstOpen });
    return this.webhook ? [() => this.webhook] : [];
  }

  /** One post per target; the event counts as posted when any target took it. */
  private enqueueAll(targets: (() => SandboxWebhook | null)[], body: () => string, done: (result: PostResult) => void): void {
    let left = targets.length;
    let posted = false;
    for (const target of targets) {
      this.poster.enqueue({
        target,
        body,
        done: (result) => {
          posted ||= result === "posted";
          if (--left === 0) done(posted ? "posted" : "failed");
        },
      });
    }
  }

  private postSuppressionChange(s: SandboxSuppression, suppress: boolean): void {
    const targets = this.targets(s.stream, "SubscriptionChange");
    const at = this.now().toISOString();
    const serverId = this.opts.serverId;
    this.enqueueAll(targets, () => JSON.stringify(suppressionChangePayload(s, suppress, serverId, at)), () => {});
  }

  /** The clock events are stamped with: the wall clock (or the injected `now`), or the virtual clock. */
  private now(): Date {
    return this.scheduler.virtual ? new Date(this.scheduler.now()) : this.opts.now();
  }

  /** No event due by `horizon` waits to fire (one due later may), and the poster has nothing left to do. */
  private isSettled(horizon: number): boolean {
    const next = this.scheduler.nextDue("event");
    return (next === undefined || next > horizon) && this.poster.idle;
  }

  private checkIdle(): void {
    if (!this.waiters.length) return;
    const ready = this.waiters.filter((w) => this.isSettled(w.horizon));
    if (!ready.length) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.done();
  }

  private releaseWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.done();
  }
}

/**
 * The link a recipient "clicks": the first http(s) link of the HTML (or text) body that is not the
 * List-Unsubscribe target, so a simulated click never doubles as an unsubscribe.
 */
function pickLink(m: SandboxMessage): string {
  return personLinkOf(bodyLinks(m.htmlBody, m.textBody, unsubscribeLinks(m.headers))) ?? FALLBACK_LINK;
}

function unsubscribeLinks(headers: { Name: string; Value: string }[]): Set<string> {
  return new Set(headers.filter((h) => h.Name.toLowerCase() === "list-unsubscribe").flatMap((h) => [...h.Value.matchAll(/<([^>]+)>/g)].map((x) => x[1])));
}
