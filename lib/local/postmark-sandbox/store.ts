/**
 * Accepted messages, their events and the per-stream suppression lists, with the indexes the Messages
 * API needs (by MessageID, by recipient, by metadata pair) and an optional append-only NDJSON log that
 * is replayed on start, so a restarted sandbox still answers for messages it accepted before.
 */
import fs from "node:fs";
import readline from "node:readline";
import type { SandboxEvent, SandboxMessage, SandboxSuppression } from "./types";
import type { ApiWebhook, WebhookKeeper } from "./webhooks-api";

type LogLine =
  | ({ t: "m" } & Omit<SandboxMessage, "events">)
  | ({ t: "e"; id: string } & SandboxEvent)
  | ({ t: "s" } & SandboxSuppression)
  | { t: "u"; stream: string; email: string }
  | { t: "w"; webhook: ApiWebhook }
  | { t: "wd"; id: number };

export class MessageStore implements WebhookKeeper {
  private list: SandboxMessage[] = [];
  private byId = new Map<string, SandboxMessage>();
  private byRecipient = new Map<string, SandboxMessage[]>();
  private byMetadata = new Map<string, SandboxMessage[]>();
  private suppressions = new Map<string, Map<string, SandboxSuppression>>();
  private webhooks = new Map<number, ApiWebhook>();
  private out: fs.WriteStream | null = null;

  constructor(
    private readonly dataFile: string | undefined,
    private readonly log: (message: string) => void,
  ) {}

  /** Replays the data file (if any) and opens it for appending. */
  async open(): Promise<void> {
    if (!this.dataFile) return;
    if (fs.existsSync(this.dataFile)) await this.replay(this.dataFile);
    this.out = fs.createWriteStream(this.dataFile, { flags: "a" });
    this.out.on("error", (error) => this.log(`sandbox data file: ${error.message}`));
  }

  async close(): Promise<void> {
    const out = this.out;
    this.out = null;
    if (out) await new Promise<void>((resolve) => out.end(resolve));
  }

  /** Empties everything, the data file included. */
  async reset(): Promise<void> {
    this.list = [];
    this.byId.clear();
    this.byRecipient.clear();
    this.byMetadata.clear();
    this.suppressions.clear();
    this.webhooks.clear();
    if (this.dataFile) {
      await this.close();
      fs.writeFileSync(this.dataFile, "");
      this.out = fs.createWriteStream(this.dataFile, { flags: "a" });
      this.out.on("error", (error) => this.log(`sandbox data file: ${error.message}`));
    }
  }

  get size(): number {
    return this.list.length;
  }

  all(): SandboxMessage[] {
    return this.list;
  }

  get(messageId: string): SandboxMessage | undefined {
    return this.byId.get(messageId.toLowerCase());
  }

  /** Messages a recipient got, oldest first. */
  forRecipient(email: string): SandboxMessage[] {
    return this.byRecipient.get(email.toLowerCase()) ?? [];
  }

  forMetadata(key: string, value: string): SandboxMessage[] {
    return this.byMetadata.get(metadataKey(key, value)) ?? [];
  }

  /** Adds accepted messages (one write to the log for the whole batch). */
  addMessages(messages: SandboxMessage[]): void {
    for (const m of messages) this.index(m);
    if (this.out) this.write(messages.map((m) => line({ t: "m", ...withoutEvents(m) })).join(""));
  }

  addEvent(message: SandboxMessage, event: SandboxEvent): void {
    message.events.push(event);
    if (this.out) this.write(line({ t: "e", id: message.messageId, ...event }));
  }

  isSuppressed(stream: string, email: string): boolean {
    return this.suppressions.get(stream)?.has(email.toLowerCase()) ?? false;
  }

  suppress(s: SandboxSuppression): boolean {
    let forStream = this.suppressions.get(s.stream);
    if (!forStream) this.suppressions.set(s.stream, (forStream = new Map()));
    const key = s.email.toLowerCase();
    if (forStream.has(key)) return false;
    forStream.set(key, s);
    if (this.out) this.write(line({ t: "s", ...s }));
    return true;
  }

  unsuppress(stream: string, email: string): SandboxSuppression | undefined {
    const forStream = this.suppressions.get(stream);
    const key = email.toLowerCase();
    const existing = forStream?.get(key);
    if (!existing) return undefined;
    forStream!.delete(key);
    if (this.out) this.write(line({ t: "u", stream, email }));
    return existing;
  }

  listSuppressions(stream: string): SandboxSuppression[] {
    return [...(this.suppressions.get(stream)?.values() ?? [])];
  }

  /** Webhooks API entries, oldest first. */
  listWebhooks(): ApiWebhook[] {
    return [...this.webhooks.values()];
  }

  saveWebhook(webhook: ApiWebhook): void {
    this.webhooks.set(webhook.ID, structuredClone(webhook));
    if (this.out) this.write(line({ t: "w", webhook }));
  }

  deleteWebhook(id: number): void {
    this.webhooks.delete(id);
    if (this.out) this.write(line({ t: "wd", id }));
  }

  private index(m: SandboxMessage): void {
    this.list.push(m);
    this.byId.set(m.messageId.toLowerCase(), m);
    for (const r of new Set(m.recipients.map((e) => e.toLowerCase()))) push(this.byRecipient, r, m);
    for (const [k, v] of Object.entries(m.metadata)) push(this.byMetadata, metadataKey(k, v), m);
  }

  private write(text: string): void {
    this.out?.write(text);
  }

  private async replay(file: string): Promise<void> {
    const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    let bad = 0;
    for await (const text of rl) {
      if (!text.trim()) continue;
      let entry: LogLine;
      try {
        entry = JSON.parse(text) as LogLine;
      } catch {
        // A line cut short by a crash; everything before it is still good.
        bad++;
        continue;
      }
      if (entry.t === "m") {
        const { t: _t, ...rest } = entry;
        this.index({ ...rest, events: [] });
      } else if (entry.t === "e") {
        const { t: _t, id, ...event } = entry;
        // A post that was waiting when the old process stopped will never be made.
        if (event.webhook === "pending") event.webhook = "failed";
        this.byId.get(id.toLowerCase())?.events.push(event);
      } else if (entry.t === "s") {
        const { t: _t, ...s } = entry;
        let forStream = this.suppressions.get(s.stream);
        if (!forStream) this.suppressions.set(s.stream, (forStream = new Map()));
        forStream.set(s.email.toLowerCase(), s);
      } else if (entry.t === "u") {
        this.suppressions.get(entry.stream)?.delete(entry.email.toLowerCase());
      } else if (entry.t === "w") {
        this.webhooks.set(entry.webhook.ID, entry.webhook);
      } else if (entry.t === "wd") {
        this.webhooks.delete(entry.id);
      }
    }
    if (bad) this.log(`sandbox data file ${file}: skipped ${bad} unreadable line(s)`);
  }
}

function metadataKey(key: string, value: string): string {
  // Query keys are matched case-insensitively (postmark.js and the docs spell them differently), so the
  // key part of `metadata_<key>` is too; values must match exactly.
  return `${key.toLowerCase()}\u0000${value}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const existing = map.get(key);
  if (existing) existing.push(value);
  else map.set(key, [value]);
}

function withoutEvents(m: SandboxMessage): Omit<SandboxMessage, "events"> {
  const { events: _events, ...rest } = m;
  return rest;
}

function line(entry: LogLine): string {
  return `${JSON.stringify(entry)}\n`;
}
