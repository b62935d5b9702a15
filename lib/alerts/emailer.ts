import type { Db } from "@/db";
import type { SendingDeps } from "@/lib/sending/deps";
import { sendSingleEmail } from "@/lib/sending/single-email";
import { listAdminEmails, type AlertEmailer } from "./alerts";

/** Alert emails go through Postmark like any single email, so they are recorded with their MessageID. */
export function createAlertEmailer(db: Db, deps: SendingDeps, from: string): AlertEmailer {
  return {
    async emailAdmins(subject, text) {
      for (const to of await listAdminEmails(db)) {
        await sendSingleEmail(db, deps, { to, from, subject, text, tag: "postline-alert" });
      }
    },
  };
}
