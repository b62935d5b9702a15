import { createHmac, randomBytes } from "node:crypto";

/**
 * Two signatures on every request, so receivers can use whichever suits them:
 * - `x-signature`: base64 HMAC-SHA256 of the raw body, keyed with the secret string exactly as shown
 *   (`whsec_…`). During a rotation's overlap it lists one signature per secret, comma-separated.
 * - Standard Webhooks (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp`, and
 *   `webhook-signature` = `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the base64-decoded
 *   part of the secret after `whsec_`, space-separated per secret. The `standardwebhooks` libraries
 *   verify it as is.
 */

const SECRET_PREFIX = "whsec_";

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64");
}

export function generateVerificationToken(): string {
  return randomBytes(16).toString("hex");
}

function standardKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, "base64");
}

export function xSignature(secret: string, body: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

export function standardSignedContent({ id, timestampSeconds, body }: { id: string; timestampSeconds: number; body: string }): string {
  return `${id}.${timestampSeconds}.${body}`;
}

export function standardSignature({ secret, ...content }: { secret: string; id: string; timestampSeconds: number; body: string }): string {
  return "v1," + createHmac("sha256", standardKey(secret)).update(standardSignedContent(content), "utf8").digest("base64");
}

export interface SignedRequest {
  headers: Record<string, string>;
  /** What each scheme signs, for the test tool. */
  signedContent: { xSignature: string; standardWebhooks: string };
}

/** The signing headers for one request; `secrets` lists the current secret first, then any still in overlap. */
export function signRequest(input: { secrets: string[]; messageId: string; timestamp: Date; body: string }): SignedRequest {
  const ts = Math.floor(input.timestamp.getTime() / 1000);
  return {
    headers: {
      "x-signature": input.secrets.map((s) => xSignature(s, input.body)).join(","),
      "webhook-id": input.messageId,
      "webhook-timestamp": String(ts),
      "webhook-signature": input.secrets.map((s) => standardSignature({ secret: s, id: input.messageId, timestampSeconds: ts, body: input.body })).join(" "),
    },
    signedContent: { xSignature: input.body, standardWebhooks: standardSignedContent({ id: input.messageId, timestampSeconds: ts, body: input.body }) },
  };
}

/** The secrets that sign now: the current one, plus the previous one during its 24-hour overlap. */
export function activeSecrets(endpoint: { secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null }, now: Date): string[] {
  const out = [endpoint.secret];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) out.push(endpoint.previousSecret);
  return out;
}

/** The webhook-id of an event: stable across retries and replays, so receivers can drop duplicates. */
export function messageIdFor(eventId: string): string {
  return `msg_${eventId.replace(/-/g, "")}`;
}
