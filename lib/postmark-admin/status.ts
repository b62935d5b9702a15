import type { ServerClient } from "postmark";
import type { Db } from "@/db";
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
  now: () => Date;
}

export async function getPostmarkStatus(db: Db, deps: PostmarkStatusDeps) {
  return resolveParts({
    webhooks: getWebhooksStatus(deps),
  });
}

/** Awaits every part at once, keeping each part's type under its name. */
async function resolveParts<T extends Record<string, Promise<unknown>>>(parts: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const entries = await Promise.all(Object.entries(parts).map(async ([name, part]) => [name, await part] as const));
  return Object.fromEntries(entries) as { [K in keyof T]: Awaited<T[K]> };
}

export type PostmarkStatus = Awaited<ReturnType<typeof getPostmarkStatus>>;
