/**
 * Postmark's Webhooks API (`/webhooks`, server token; shared/postmark/MANAGEMENT.md §a): a stream's
 * webhooks with their URL, basic auth, custom headers and six triggers. The engine posts each event to
 * the webhooks of its message's stream whose trigger is on (webhookTargets below).
 *
 * Rules kept from Postmark: every error is HTTP 422 with Postmark's ErrorCode (1226 unknown stream, 1351
 * inbound stream, 1352 unknown webhook, 1354 bad Url, 1355 no body, 1356 ID on create, 1357 ID or
 * MessageStream changed on edit, 1358 bad header name, 1359 too many webhooks); edit is partial (an
 * omitted trigger keeps its value); the list has no paging. Choices where Postmark is silent: at most 10
 * webhooks per stream; no auth reads back as `{"Username":null,"Password":null}` (a third-party capture).
 */
import type { SandboxWebhook } from "./types";

export interface WebhookTriggers {
  Open: { Enabled: boolean; PostFirstOpenOnly: boolean };
  Click: { Enabled: boolean };
  Delivery: { Enabled: boolean };
  Bounce: { Enabled: boolean; IncludeContent: boolean };
  SpamComplaint: { Enabled: boolean; IncludeContent: boolean };
  SubscriptionChange: { Enabled: boolean };
}

/** A webhook exactly as the API answers it. */
export interface ApiWebhook {
  ID: number;
  Url: string;
  MessageStream: string;
  HttpAuth: { Username: string | null; Password: string | null };
  HttpHeaders: { Name: string; Value: string }[];
  Triggers: WebhookTriggers;
}

export interface SandboxStream {
  id: string;
  type: "Transactional" | "Broadcasts" | "Inbound";
}

/** A new Postmark server's streams (the broadcast stream's ID is UNCONFIRMED; Postline's default). */
export const DEFAULT_STREAMS: SandboxStream[] = [
  { id: "outbound", type: "Transactional" },
  { id: "inbound", type: "Inbound" },
  { id: "broadcast", type: "Broadcasts" },
];

export const MAX_WEBHOOKS_PER_STREAM = 10;

export class WebhookApiError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

const TRIGGER_DEFAULTS: WebhookTriggers = {
  Open: { Enabled: false, PostFirstOpenOnly: false },
  Click: { Enabled: false },
  Delivery: { Enabled: false },
  Bounce: { Enabled: false, IncludeContent: false },
  SpamComplaint: { Enabled: false, IncludeContent: false },
  SubscriptionChange: { Enabled: false },
};

type TriggerName = keyof WebhookTriggers;
const TRIGGER_NAMES = Object.keys(TRIGGER_DEFAULTS) as TriggerName[];

/** Where webhooks are kept (the store, so they survive a restart with the data file). */
export interface WebhookKeeper {
  listWebhooks(): ApiWebhook[];
  saveWebhook(w: ApiWebhook): void;
  deleteWebhook(id: number): void;
}

export class WebhooksApi {
  constructor(
    private readonly keeper: WebhookKeeper,
    private readonly streams: () => SandboxStream[],
  ) {}

  list(query: Map<string, string>): { Webhooks: ApiWebhook[] } {
    const stream = query.get("messagestream");
    if (stream) this.stream(stream, false);
    return { Webhooks: this.keeper.listWebhooks().filter((w) => !stream || w.MessageStream === stream) };
  }

  get(id: number): ApiWebhook {
    return this.find(id);
  }

  create(body: unknown): ApiWebhook {
    const input = record(body);
    if ("ID" in input) throw new WebhookApiError(1356, "You cannot specify an 'ID' when creating a webhook.");
    const streamId = input.MessageStream === undefined || input.MessageStream === null ? "outbound" : String(input.MessageStream);
    this.stream(streamId, true);
    const ids = this.keeper.listWebhooks().map((w) => w.ID);
    if (this.keeper.listWebhooks().filter((w) => w.MessageStream === streamId).length >= MAX_WEBHOOKS_PER_STREAM) {
      throw new WebhookApiError(1359, `A message stream can have at most ${MAX_WEBHOOKS_PER_STREAM} webhooks.`);
    }
    const webhook: ApiWebhook = {
      ID: ids.length ? Math.max(...ids) + 1 : 1_234_567,
      Url: url(input.Url, true)!,
      MessageStream: streamId,
      HttpAuth: httpAuth(input.HttpAuth) ?? { Username: null, Password: null },
      HttpHeaders: httpHeaders(input.HttpHeaders) ?? [],
      Triggers: triggers(TRIGGER_DEFAULTS, input.Triggers),
    };
    this.keeper.saveWebhook(webhook);
    return webhook;
  }

  edit(id: number, body: unknown): ApiWebhook {
    const existing = this.find(id);
    const input = record(body);
    if (("ID" in input && Number(input.ID) !== id) || ("MessageStream" in input && input.MessageStream !== existing.MessageStream)) {
      throw new WebhookApiError(1357, "A webhook's 'ID' and 'MessageStream' cannot be changed.");
    }
    const webhook: ApiWebhook = {
      ...existing,
      Url: url(input.Url, false) ?? existing.Url,
      HttpAuth: httpAuth(input.HttpAuth) ?? existing.HttpAuth,
      HttpHeaders: httpHeaders(input.HttpHeaders) ?? existing.HttpHeaders,
      Triggers: triggers(existing.Triggers, input.Triggers),
    };
    this.keeper.saveWebhook(webhook);
    return webhook;
  }

  delete(id: number): { ErrorCode: 0; Message: string } {
    this.find(id);
    this.keeper.deleteWebhook(id);
    return { ErrorCode: 0, Message: `Webhook ${id} removed.` };
  }

  private find(id: number): ApiWebhook {
    const found = this.keeper.listWebhooks().find((w) => w.ID === id);
    if (!found) throw new WebhookApiError(1352, `The webhook with ID '${id}' was not found.`);
    return found;
  }

  private stream(id: string, forWrite: boolean): SandboxStream {
    const found = this.streams().find((s) => s.id === id);
    if (!found) throw new WebhookApiError(1226, "The message stream for the provided 'ID' was not found.");
    if (forWrite && found.type === "Inbound") throw new WebhookApiError(1351, "You cannot create a webhook using an inbound stream.");
    return found;
  }
}

/**
 * The targets an event is posted to: each webhook of the message's stream whose trigger is on (an open
 * that is not the first skips webhooks with PostFirstOpenOnly). Each target is looked up again at post
 * time, so a webhook edited while an event waits or retries is posted with its new URL and headers,
 * and a deleted (or switched off) one is not posted at all.
 */
export function webhookTargets(
  keeper: WebhookKeeper,
  event: { stream: string; recordType: TriggerName; firstOpen?: boolean },
): (() => SandboxWebhook | null)[] {
  const wanted = (w: ApiWebhook | undefined): w is ApiWebhook =>
    Boolean(w) &&
    w!.MessageStream === event.stream &&
    w!.Triggers[event.recordType].Enabled &&
    !(event.recordType === "Open" && event.firstOpen === false && w!.Triggers.Open.PostFirstOpenOnly);
  return keeper
    .listWebhooks()
    .filter(wanted)
    .map((w) => () => {
      const now = keeper.listWebhooks().find((x) => x.ID === w.ID);
      return wanted(now) ? toTarget(now) : null;
    });
}

export function hasWebhookFor(keeper: WebhookKeeper, stream: string): boolean {
  return keeper.listWebhooks().some((w) => w.MessageStream === stream);
}

function toTarget(w: ApiWebhook): SandboxWebhook {
  return {
    url: w.Url,
    headers: Object.fromEntries(w.HttpHeaders.map((h) => [h.Name, h.Value])),
    basicAuth: w.HttpAuth.Username || w.HttpAuth.Password ? { username: w.HttpAuth.Username ?? "", password: w.HttpAuth.Password ?? "" } : undefined,
  };
}

function record(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new WebhookApiError(1355, "The request body is missing or is not a JSON object.");
  return body as Record<string, unknown>;
}

function url(value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value === "string") {
    try {
      const u = new URL(value);
      if (u.protocol === "http:" || u.protocol === "https:") return value;
    } catch {
      // falls through to the error
    }
  }
  throw new WebhookApiError(1354, "The 'Url' is missing or is not a valid http(s) URL.");
}

function httpAuth(value: unknown): ApiWebhook["HttpAuth"] | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value as { Username?: unknown; Password?: unknown };
  return { Username: v.Username == null ? null : String(v.Username), Password: v.Password == null ? null : String(v.Password) };
}

function httpHeaders(value: unknown): ApiWebhook["HttpHeaders"] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new WebhookApiError(1358, "'HttpHeaders' must be a list of {Name, Value}.");
  return value.map((h) => {
    const name = (h as { Name?: unknown })?.Name;
    // An HTTP token: what a header name may hold.
    if (typeof name !== "string" || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new WebhookApiError(1358, `The header name ${JSON.stringify(name)} is not valid.`);
    return { Name: name, Value: String((h as { Value?: unknown }).Value ?? "") };
  });
}

function triggers(base: WebhookTriggers, value: unknown): WebhookTriggers {
  const out = structuredClone(base);
  if (value === undefined || value === null) return out;
  const input = value as Record<string, Record<string, unknown> | undefined>;
  for (const name of TRIGGER_NAMES) {
    const t = input[name];
    if (!t || typeof t !== "object") continue;
    const target = out[name] as Record<string, boolean>;
    for (const key of Object.keys(target)) if (typeof t[key] === "boolean") target[key] = t[key] as boolean;
  }
  return out;
}
