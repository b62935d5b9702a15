import type { ServerClient } from "postmark";
import type { Models } from "postmark";

type Webhook = Models.Webhook;

/**
 * Postline's webhook in Postmark, per message stream, read and written through Postmark's Webhooks API
 * (shared/postmark/MANAGEMENT.md §a) with the official client.
 *
 * What "right" means: the URL of Postline's webhook route, the X-Webhook-Secret header with the current
 * secret, basic auth when Postline requires it, and all six triggers on, with Open's PostFirstOpenOnly
 * off (after Apple's prefetch has opened a message, a person's own open is a second open: with
 * PostFirstOpenOnly on it would never arrive). Postline's webhook on a stream is the one at that URL,
 * or else the first one whose path is Postline's route or that sends the X-Webhook-Secret header (the
 * app moved, or someone edited the URL); other webhooks on the stream belong to someone else and are
 * left alone.
 */

export const SECRET_HEADER = "X-Webhook-Secret";
export const WEBHOOK_PATH = "/api/webhooks/postmark";
export const TRIGGERS = ["Delivery", "Bounce", "SpamComplaint", "Open", "Click", "SubscriptionChange"] as const;

export interface PostlineWebhookConfig {
  /** Where Postmark must post: `${APP_URL}/api/webhooks/postmark`. */
  url: string;
  secret: string;
  /** Still accepted during a rotation (POSTMARK_WEBHOOK_SECRET_PREVIOUS); never written to Postmark. */
  previousSecret?: string;
  basicAuth?: { username: string; password: string };
  /** The streams Postline sends on (transactional and broadcast). */
  streams: string[];
}

export type WebhookProblemCode = "url" | "secret_missing" | "secret_wrong" | "secret_previous" | "basic_auth" | "trigger_off" | "first_open_only";

export interface WebhookProblem {
  code: WebhookProblemCode;
  message: string;
}

/** Postmark's refusal as it may be shown: never the token, only its status, ErrorCode and text. */
export interface PostmarkFailure {
  statusCode: number | null;
  errorCode: number | null;
  message: string;
}

export interface StreamWebhookStatus {
  stream: string;
  /** ok; missing (no Postline webhook on the stream); drifted (one exists but differs); unavailable (Postmark refused or failed). */
  state: "ok" | "missing" | "drifted" | "unavailable";
  webhookId: number | null;
  /** The URL Postmark posts to (credentials in it hidden). */
  url: string | null;
  problems: WebhookProblem[];
  error: PostmarkFailure | null;
}

export function postmarkFailure(error: unknown): PostmarkFailure {
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  const statusCode = typeof e?.statusCode === "number" && e.statusCode > 0 ? e.statusCode : null;
  const errorCode = typeof e?.code === "number" ? e.code : null;
  const text = String(e?.message ?? error).slice(0, 300);
  const why =
    statusCode === 401
      ? "Postmark refused the server token (POSTMARK_SERVER_TOKEN)"
      : statusCode === 422
        ? "Postmark refused the request"
        : statusCode === 429
          ? "Postmark asked to slow down"
          : statusCode !== null && statusCode >= 500
            ? "Postmark failed"
            : "Postmark could not be reached";
  return { statusCode, errorCode, message: `${why}: ${text}` };
}

/** Whether a failure is Postline's configuration (token, stream name), not a passing outage. */
export function isConfigurationFailure(f: PostmarkFailure): boolean {
  return f.statusCode === 401 || f.statusCode === 422 || f.statusCode === 404;
}

function hideCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = u.username ? "…" : "";
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
}

function samePath(url: string): boolean {
  try {
    return new URL(url).pathname.replace(/\/+$/, "") === WEBHOOK_PATH;
  } catch {
    return false;
  }
}

function secretHeader(w: Webhook): string | null {
  return w.HttpHeaders?.find((h) => h.Name.toLowerCase() === SECRET_HEADER.toLowerCase())?.Value ?? null;
}

/** Postline's webhook among a stream's webhooks (see the file's comment), or null. */
export function findPostlineWebhook(webhooks: Webhook[], config: Pick<PostlineWebhookConfig, "url">): Webhook | null {
  return webhooks.find((w) => w.Url === config.url) ?? webhooks.find((w) => samePath(w.Url) || secretHeader(w) !== null) ?? null;
}

/** What differs from the right webhook; empty when it is right. Messages never include a secret. */
export function webhookProblems(w: Webhook, config: PostlineWebhookConfig): WebhookProblem[] {
  const problems: WebhookProblem[] = [];
  if (w.Url !== config.url) problems.push({ code: "url", message: `Posts to ${hideCredentials(w.Url)}, not ${config.url}` });
  const secret = secretHeader(w);
  if (secret === null) problems.push({ code: "secret_missing", message: `No ${SECRET_HEADER} header` });
  else if (secret !== config.secret) {
    problems.push(
      config.previousSecret && secret === config.previousSecret
        ? { code: "secret_previous", message: `${SECRET_HEADER} still holds the previous secret: sync to finish the rotation` }
        : { code: "secret_wrong", message: `${SECRET_HEADER} holds a value that is not POSTMARK_WEBHOOK_SECRET` },
    );
  }
  const auth = w.HttpAuth;
  if (config.basicAuth && (auth?.Username !== config.basicAuth.username || auth?.Password !== config.basicAuth.password)) {
    problems.push({ code: "basic_auth", message: auth?.Username ? "Basic auth differs from POSTMARK_WEBHOOK_BASIC_USER/_PASSWORD" : "No basic auth, which Postline requires" });
  }
  const off = TRIGGERS.filter((t) => !w.Triggers?.[t]?.Enabled);
  if (off.length) problems.push({ code: "trigger_off", message: `Off: ${off.join(", ")}` });
  if (w.Triggers?.Open?.Enabled && w.Triggers.Open.PostFirstOpenOnly) {
    problems.push({ code: "first_open_only", message: "Open posts the first open only, so a person's open after Apple's prefetch never arrives" });
  }
  return problems;
}

/** The request that makes a webhook right (create adds MessageStream). Other custom headers are kept. */
export function desiredWebhook(config: PostlineWebhookConfig, existing?: Webhook | null) {
  const others = (existing?.HttpHeaders ?? []).filter((h) => h.Name.toLowerCase() !== SECRET_HEADER.toLowerCase());
  return {
    Url: config.url,
    // Without basic auth in Postline, whatever Postmark has is left as it is: the route ignores it, and an
    // empty username is not something Postmark documents accepting.
    ...(config.basicAuth ? { HttpAuth: { Username: config.basicAuth.username, Password: config.basicAuth.password } } : {}),
    HttpHeaders: [...others, { Name: SECRET_HEADER, Value: config.secret }],
    Triggers: {
      Open: { Enabled: true, PostFirstOpenOnly: false },
      Click: { Enabled: true },
      Delivery: { Enabled: true },
      Bounce: { Enabled: true, IncludeContent: false },
      SpamComplaint: { Enabled: true, IncludeContent: false },
      SubscriptionChange: { Enabled: true },
    },
  };
}

async function inspectStream(postmark: ServerClient, config: PostlineWebhookConfig, stream: string): Promise<{ status: StreamWebhookStatus; webhook: Webhook | null }> {
  const base = { stream, webhookId: null, url: null, problems: [], error: null };
  let list: Webhook[];
  try {
    list = (await postmark.getWebhooks({ messageStream: stream })).Webhooks ?? [];
  } catch (error) {
    return { status: { ...base, state: "unavailable", error: postmarkFailure(error) }, webhook: null };
  }
  const webhook = findPostlineWebhook(list, config);
  if (!webhook) return { status: { ...base, state: "missing", problems: [{ code: "url", message: `No webhook posts to ${config.url}` }] }, webhook: null };
  const problems = webhookProblems(webhook, config);
  return {
    status: { ...base, state: problems.length ? "drifted" : "ok", webhookId: webhook.ID, url: hideCredentials(webhook.Url), problems },
    webhook,
  };
}

/** Each stream's webhook as Postmark has it now, compared with what Postline needs. */
export async function inspectWebhooks(postmark: ServerClient, config: PostlineWebhookConfig): Promise<StreamWebhookStatus[]> {
  return Promise.all(unique(config.streams).map(async (stream) => (await inspectStream(postmark, config, stream)).status));
}

export interface StreamSyncResult {
  stream: string;
  action: "unchanged" | "created" | "updated" | "failed";
  webhookId: number | null;
  /** What was wrong before (updated), or nothing. */
  fixed: WebhookProblem[];
  error: PostmarkFailure | null;
}

/**
 * Creates the webhook on each stream that has none and corrects the one that differs (one edit with the
 * whole desired configuration). A stream Postmark refuses is reported as failed; the others go ahead.
 */
export async function syncWebhooks(postmark: ServerClient, config: PostlineWebhookConfig): Promise<{ ok: boolean; streams: StreamSyncResult[] }> {
  const streams = await Promise.all(
    unique(config.streams).map(async (stream): Promise<StreamSyncResult> => {
      const { status, webhook } = await inspectStream(postmark, config, stream);
      if (status.state === "unavailable") return { stream, action: "failed", webhookId: null, fixed: [], error: status.error };
      if (status.state === "ok") return { stream, action: "unchanged", webhookId: status.webhookId, fixed: [], error: null };
      try {
        if (!webhook) {
          const created = await postmark.createWebhook({ ...desiredWebhook(config), MessageStream: stream });
          return { stream, action: "created", webhookId: created.ID, fixed: [], error: null };
        }
        await postmark.editWebhook(webhook.ID, desiredWebhook(config, webhook));
        return { stream, action: "updated", webhookId: webhook.ID, fixed: status.problems, error: null };
      } catch (error) {
        return { stream, action: "failed", webhookId: webhook?.ID ?? null, fixed: [], error: postmarkFailure(error) };
      }
    }),
  );
  return { ok: streams.every((s) => s.action !== "failed"), streams };
}

function unique(streams: string[]): string[] {
  return [...new Set(streams)];
}
