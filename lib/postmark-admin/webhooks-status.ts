import type { ServerClient } from "postmark";
import { inspectWebhooks, type PostlineWebhookConfig, type StreamWebhookStatus } from "./webhooks";

export interface WebhooksStatus {
  /** True when every stream's webhook is right. */
  ok: boolean;
  checkedAt: string;
  /** The URL Postmark should post to. */
  url: string;
  streams: StreamWebhookStatus[];
  rotation: {
    /** POSTMARK_WEBHOOK_SECRET_PREVIOUS is set: both secrets are accepted. */
    previousSecretAccepted: boolean;
    /** Streams whose webhook still sends the previous secret (sync to move them). */
    streamsOnPreviousSecret: string[];
  };
}

/** The webhooks part of `GET /api/v1/postmark/status`: read from Postmark now, never cached. */
export async function getWebhooksStatus(deps: { postmark: ServerClient; webhooks: PostlineWebhookConfig; now: () => Date }): Promise<WebhooksStatus> {
  const streams = await inspectWebhooks(deps.postmark, deps.webhooks);
  return {
    ok: streams.every((s) => s.state === "ok"),
    checkedAt: deps.now().toISOString(),
    url: deps.webhooks.url,
    streams,
    rotation: {
      previousSecretAccepted: Boolean(deps.webhooks.previousSecret),
      streamsOnPreviousSecret: streams.filter((s) => s.problems.some((p) => p.code === "secret_previous")).map((s) => s.stream),
    },
  };
}
