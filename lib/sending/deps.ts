/**
 * What every part of sending is given: the Postmark client, where unsubscribe links point, the
 * streams, and the knobs tests turn (clock, randomness, batch size, how long an unanswered batch waits).
 * Also the limits and Metadata keys every sent message carries.
 *
 * Sending as a whole is a durable job in PostgreSQL. A message moves queued → sending (claimed into a
 * send_batch, committed BEFORE Postmark is called) → sent | failed. Every message carries
 * `postline_message_id` and `postline_batch_id` in Postmark Metadata. If we never learn a batch's
 * outcome (crash, timeout, 5xx), the batch stays open until its `check_after`, then Postmark's outbound
 * search by `metadata_postline_batch_id` tells which messages were accepted: those are adopted, only
 * the rest go back to the queue (recover-batches.ts). So a crash at any point can neither send a
 * recipient twice nor forget one. All coordination is in rows (SKIP LOCKED claims, conditional
 * updates), so any number of workers and app instances can run this at once.
 */
import type { ServerClient } from "postmark";
import { createUnsubscribeToken } from "./unsubscribe-token";

export interface SendingDeps {
  postmark: ServerClient;
  appUrl: string;
  unsubscribeKey: Buffer;
  broadcastStream: string;
  messageStream: string;
  /** The clock: the app passes the real one, tests their own. */
  now: () => Date;
  random?: () => number;
  batchSize?: number;
  /** How long a claimed batch may stay unanswered before it is checked against Postmark. */
  inFlightTimeoutMs?: number;
  /** After a 5xx/timeout, how long to wait before searching (Postmark's search may lag acceptance). */
  uncertainRecheckMs?: number;
  log?: (message: string) => void;
}

export const POSTMARK_BATCH_LIMIT = 500;
export const METADATA_MESSAGE_ID = "postline_message_id";
export const METADATA_BATCH_ID = "postline_batch_id";

export const sendingDefaults = {
  batchSize: POSTMARK_BATCH_LIMIT,
  inFlightTimeoutMs: 60_000,
  uncertainRecheckMs: 30_000,
};

/** When a batch claimed now is overdue: past this, an unanswered batch is checked against Postmark. */
export function checkAfterClaim(deps: SendingDeps, now: Date): Date {
  return new Date(now.getTime() + (deps.inFlightTimeoutMs ?? sendingDefaults.inFlightTimeoutMs));
}

export function unsubscribeUrl(deps: Pick<SendingDeps, "appUrl" | "unsubscribeKey">, messageId: string): string {
  return `${deps.appUrl}/u/${createUnsubscribeToken(deps.unsubscribeKey, messageId)}`;
}
