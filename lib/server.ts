import { getDbFor, type Db } from "@/db";
import { getEnv } from "@/lib/env";
import { createPostmarkClient } from "@/lib/postmark/client";
import { unsubscribeKey } from "@/lib/sending/unsubscribe-token";
import type { SendingDeps } from "@/lib/sending/dispatch";

/** The app's database handle, configured from the validated environment. */
export function getAppDb(): Db {
  const env = getEnv();
  return getDbFor(env.DATABASE_URL, { max: env.DATABASE_POOL_MAX });
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
      log: (m) => console.warn(`[sending] ${m}`),
    };
  }
  return sendingDeps;
}

export function getUnsubscribeKey(): Buffer {
  return unsubscribeKey(getEnv().AUTH_SECRET);
}
