import type { ServerClient } from "postmark";
import type { Db } from "@/db";
import { checkSenderDomain, type SenderCheckDeps } from "@/lib/sender-checks/check-sender";
import { getSuppressionsStatus } from "./suppressions-status";
import type { PostlineWebhookConfig } from "./webhooks";
import { getWebhooksStatus } from "./webhooks-status";

/**
 * `GET /api/v1/postmark/status`: `{ data: { webhooks, suppressions, sender } }`. Each part is owned by
 * its own file and computed independently (one line each below); a part reads Postmark live and
 * reports Postmark's failures inside itself rather than failing the whole status.
 */
export interface PostmarkStatusDeps {
  postmark: ServerClient;
  webhooks: PostlineWebhookConfig;
  /** The stream whose suppressions Postline's unsubscribes are pushed to. */
  broadcastStream: string;
  /** The default From address (POSTMARK_FROM_EMAIL), checked as a campaign's sender would be. */
  sender: { fromEmail: string; checks: SenderCheckDeps };
  now: () => Date;
}

export async function getPostmarkStatus(db: Db, deps: PostmarkStatusDeps) {
  return resolveParts({
    webhooks: getWebhooksStatus(deps),
    suppressions: getSuppressionsStatus(db, { broadcastStream: deps.broadcastStream }),
    sender: checkSenderDomain(deps.sender.fromEmail, deps.sender.checks),
  });
}

/** Awaits every part at once, keeping each part's type under its name. */
async function resolveParts<T extends Record<string, Promise<unknown>>>(parts: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const entries = await Promise.all(Object.entries(parts).map(async ([name, part]) => [name, await part] as const));
  return Object.fromEntries(entries) as { [K in keyof T]: Awaited<T[K]> };
}

export type PostmarkStatus = Awaited<ReturnType<typeof getPostmarkStatus>>;
