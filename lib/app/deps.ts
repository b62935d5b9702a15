import { getDbFor, getReadsFor, type Db, type Reads } from "@/db";
import { getEnv } from "@/lib/env";
import { createPostmarkAccountClient, createPostmarkClient } from "@/lib/postmark/client";
import type { SuppressionSyncDeps } from "@/lib/postmark-admin/suppression-sync";
import type { CampaignGateDeps } from "@/lib/sender-checks/campaign-gate";
import { createTxtResolver } from "@/lib/sender-checks/dmarc";
import { unsubscribeKey } from "@/lib/sending/unsubscribe-token";
import type { SendingDeps } from "@/lib/sending/deps";
import { sendSingleEmail } from "@/lib/sending/single-email";
import { listAdminEmails, type AlertEmailer } from "@/lib/alerts/alerts";
import type { BreakerDeps, BreakerThresholds } from "@/lib/deliverability/breakers";
import type { WebhookConfig } from "@/lib/ingest/webhook";
import type { PostlineWebhookConfig } from "@/lib/postmark-admin/webhooks";
import { createIngestBatcher, type IngestBatcher } from "@/lib/ingest/batcher";
import { POSTMARK_WEBHOOK_IPS } from "@/lib/ingest/source-ip";
import { createAddressPolicy } from "@/lib/outbound-webhooks/address-policy";
import type { OutboundDeps } from "@/lib/outbound-webhooks/deps";
import { FORM_DEFAULT_LIMITS, type FormDeps } from "@/lib/forms/deps";
import { formsKey } from "@/lib/forms/tokens";

/** The app's database handle, configured from the validated environment. */
export function getAppDb(): Db {
  const env = getEnv();
  return getDbFor(env.DATABASE_URL, { max: env.DATABASE_POOL_MAX });
}

/**
 * Where the heavy reads go (CSV exports, campaign analytics, segment counts, the event log API): the
 * streaming replica at DATABASE_REPLICA_URL while it is up and within DATABASE_REPLICA_MAX_LAG_SECONDS,
 * else the primary. Only for reads that may lag; a read that must see a write stays on getAppDb().
 */
export function getAppReads(): Reads {
  const env = getEnv();
  return getReadsFor(getAppDb(), env.DATABASE_REPLICA_URL, {
    max: env.DATABASE_POOL_MAX,
    maxLagMs: env.DATABASE_REPLICA_MAX_LAG_SECONDS * 1000,
    log: (m) => console.warn(`[db] ${m}`),
  });
}

let sendingDeps: SendingDeps | undefined;

/** Postmark client and sending configuration for this app instance. */
export function getSendingDeps(): SendingDeps {
  if (!sendingDeps) {
    const env = getEnv();
    sendingDeps = {
      postmark: createPostmarkClient({ serverToken: env.POSTMARK_SERVER_TOKEN, apiUrl: env.POSTMARK_API_URL, timeoutSeconds: 30 }),
      appUrl: env.APP_URL,
      unsubscribeKey: unsubscribeKey(env.AUTH_SECRET),
      broadcastStream: env.POSTMARK_BROADCAST_STREAM,
      messageStream: env.POSTMARK_MESSAGE_STREAM,
      now: () => new Date(),
      log: (m) => console.warn(`[sending] ${m}`),
    };
  }
  return sendingDeps;
}

/** Derived once with the sending configuration; the unsubscribe route verifies with the same key. */
export function getUnsubscribeKey(): Buffer {
  return getSendingDeps().unsubscribeKey;
}

let alertEmailer: AlertEmailer | undefined;

/**
 * Alert emails go through Postmark like any single email, so they are recorded with their MessageID.
 * Wired here, not in lib/alerts: sending raises alerts (through outbound webhooks), so alerts must not
 * depend on sending.
 */
export function getAlertEmailer(): AlertEmailer {
  if (!alertEmailer) {
    const db = getAppDb();
    const deps = getSendingDeps();
    const from = getEnv().POSTMARK_FROM_EMAIL;
    alertEmailer = {
      async emailAdmins(subject, text) {
        for (const to of await listAdminEmails(db)) {
          await sendSingleEmail(db, { to, from, subject, text, tag: "postline-alert" }, deps);
        }
      },
    };
  }
  return alertEmailer;
}

/** The circuit breakers' thresholds (BREAKER_* variables, README "Going live with Postmark"). */
export function getBreakerThresholds(): BreakerThresholds {
  const env = getEnv();
  return {
    complaintAlertRate: env.BREAKER_COMPLAINT_ALERT_RATE,
    complaintPauseRate: env.BREAKER_COMPLAINT_PAUSE_RATE,
    hardBouncePauseRate: env.BREAKER_HARD_BOUNCE_PAUSE_RATE,
    minDeliveries: env.BREAKER_MIN_DELIVERIES,
  };
}

/** What the sending job's circuit breakers need: thresholds, the clock, the admins' emailer. */
export function getBreakerDeps(): BreakerDeps {
  return { thresholds: getBreakerThresholds(), emailer: getAlertEmailer(), now: () => new Date() };
}

let ingestBatcher: IngestBatcher | undefined;

/** Group commit for the webhook route: concurrent events share a transaction (lib/ingest/batcher.ts). */
export function getIngestBatcher(): IngestBatcher {
  ingestBatcher ??= createIngestBatcher(getAppDb());
  return ingestBatcher;
}

let webhookConfig: WebhookConfig | undefined;

/** The inbound webhook's credentials and source policy, from the environment. */
export function getWebhookConfig(): WebhookConfig {
  if (!webhookConfig) {
    const env = getEnv();
    const ipSetting = env.POSTMARK_WEBHOOK_IP_ALLOWLIST.trim();
    webhookConfig = {
      secret: env.POSTMARK_WEBHOOK_SECRET,
      previousSecret: env.POSTMARK_WEBHOOK_SECRET_PREVIOUS,
      basicAuth: env.POSTMARK_WEBHOOK_BASIC_USER && env.POSTMARK_WEBHOOK_BASIC_PASSWORD ? { username: env.POSTMARK_WEBHOOK_BASIC_USER, password: env.POSTMARK_WEBHOOK_BASIC_PASSWORD } : undefined,
      ipAllowlist: ipSetting === "off" || ipSetting === "" ? null : ipSetting === "postmark" ? POSTMARK_WEBHOOK_IPS : ipSetting.split(","),
    };
  }
  return webhookConfig;
}

/** Postline's webhook as Postmark must have it on each stream Postline sends on (lib/postmark-admin). */
export function getPostlineWebhookConfig(): PostlineWebhookConfig {
  const env = getEnv();
  const inbound = getWebhookConfig();
  return {
    url: `${env.APP_URL}/api/webhooks/postmark`,
    secret: inbound.secret,
    previousSecret: inbound.previousSecret,
    basicAuth: inbound.basicAuth,
    streams: [env.POSTMARK_MESSAGE_STREAM, env.POSTMARK_BROADCAST_STREAM],
  };
}

let outboundDeps: OutboundDeps | undefined;

/** Outbound webhooks: the refusal list's exceptions (ALLOW_PRIVATE_WEBHOOK_URLS), alerts, account id. */
export function getOutboundDeps(): OutboundDeps {
  if (!outboundDeps) {
    const env = getEnv();
    outboundDeps = {
      policy: createAddressPolicy(env.ALLOW_PRIVATE_WEBHOOK_URLS.split(",").map((h) => h.trim()).filter(Boolean)),
      accountId: new URL(env.APP_URL).host,
      now: () => new Date(),
      emailer: getAlertEmailer(),
      log: (m) => console.warn(`[outbound-webhooks] ${m}`),
    };
  }
  return outboundDeps;
}

let formDeps: FormDeps | undefined;

/** Signup forms: the token key (from AUTH_SECRET), the confirmation email's sender and the limits. */
export function getFormDeps(): FormDeps {
  if (!formDeps) {
    const env = getEnv();
    formDeps = {
      key: formsKey(env.AUTH_SECRET),
      sending: getSendingDeps(),
      from: env.POSTMARK_FROM_EMAIL,
      minFillMs: env.FORM_MIN_FILL_MS,
      confirmTtlMs: env.FORM_CONFIRM_HOURS * 3_600_000,
      limits: { ...FORM_DEFAULT_LIMITS, perSource: { limit: env.FORM_SOURCE_LIMIT_PER_MINUTE, windowMs: 60_000 } },
    };
  }
  return formDeps;
}

/** The streams Postline sends on, whose suppressions are kept in step with contacts. */
export function getSuppressionSyncDeps(): SuppressionSyncDeps {
  const env = getEnv();
  const sending = getSendingDeps();
  return { postmark: sending.postmark, streams: [env.POSTMARK_MESSAGE_STREAM, env.POSTMARK_BROADCAST_STREAM], broadcastStream: env.POSTMARK_BROADCAST_STREAM, now: () => new Date() };
}

let senderCheckDeps: CampaignGateDeps | undefined;

/**
 * The sender check before a campaign: Postmark's account APIs when POSTMARK_ACCOUNT_TOKEN is set (else
 * DKIM and Return-Path are not checked), DNS through DNS_RESOLVER (else the system's resolvers).
 */
export function getSenderCheckDeps(): CampaignGateDeps {
  if (!senderCheckDeps) {
    const env = getEnv();
    senderCheckDeps = {
      account: env.POSTMARK_ACCOUNT_TOKEN ? createPostmarkAccountClient({ accountToken: env.POSTMARK_ACCOUNT_TOKEN, apiUrl: env.POSTMARK_API_URL, timeoutSeconds: 10 }) : null,
      resolver: createTxtResolver(env.DNS_RESOLVER),
      minRecipients: env.SENDER_CHECK_MIN_RECIPIENTS,
      now: () => new Date(),
    };
  }
  return senderCheckDeps;
}
