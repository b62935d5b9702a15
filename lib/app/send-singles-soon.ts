import { afterResponse } from "@/lib/app/after-response";
import type { Db } from "@/db";
import { POSTMARK_BATCH_LIMIT, type SendingDeps } from "@/lib/sending/deps";
import { sendQueuedSingles } from "@/lib/sending/single-email";

let running: Promise<void> | null = null;
let again = false;

/**
 * Sends the queued single emails (a form's confirmation emails) once the response has gone out. Calls
 * that arrive while a send is running do not start their own: the running one goes round again and
 * takes everything queued meanwhile, so a rush of signups becomes a few Postmark batch calls instead
 * of one call per signup. Whatever it leaves (a crash, a 429) the send cron picks up.
 */
export function sendQueuedSinglesSoon(db: Db, deps: SendingDeps): void {
  if (running) {
    again = true;
    return;
  }
  running = drain(db, deps).finally(() => {
    running = null;
  });
  const mine = running;
  afterResponse(() => mine);
}

async function drain(db: Db, deps: SendingDeps): Promise<void> {
  try {
    do {
      again = false;
      // A full batch means more may be waiting; a short one means the queue was empty when claimed.
      while ((await sendQueuedSingles(db, { limit: POSTMARK_BATCH_LIMIT }, deps)) === POSTMARK_BATCH_LIMIT);
    } while (again);
  } catch (error) {
    console.error("[single-email] sending queued emails after a response failed; the send cron will send them", error);
  }
}
