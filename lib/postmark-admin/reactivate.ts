import { eq, sql } from "drizzle-orm";
import type { ServerClient } from "postmark";
import type { Db } from "@/db";
import { contacts } from "@/db/schema";
import { AppError, notFound } from "@/lib/errors";
import { SPAM_COMPLAINT_PERMANENT } from "./messages";

/**
 * Reactivating a contact: Postline's status goes back to subscribed only once Postmark no longer
 * suppresses the address on any stream Postline sends on, so the next send is not refused (406) and
 * the next suppression sync does not suppress the contact again. What Postmark allows:
 * - a hard bounce: activated through the Bounces API when the bounce `CanActivate` (else the
 *   suppression is deleted, which Postmark documents as the same thing);
 * - a manual suppression the customer made (Origin Customer): deleted;
 * - a spam complaint: never (Postmark refuses, and so does Postline, before asking);
 * - an unsubscribe the recipient made through Postmark's link, or Postmark staff's suppression: Postmark
 *   refuses ("required authority"); only the person (subscribing again) or Postmark's support can.
 * Nothing is lifted unless everything can be: the checks come first.
 */
export interface ReactivateDeps {
  postmark: ServerClient;
  streams: string[];
  now: () => Date;
}

export { SPAM_COMPLAINT_PERMANENT };

interface Found {
  stream: string;
  reason: string;
  origin: string;
}

export async function reactivateContact(db: Db, input: { contactId: string; actor: string }, deps: ReactivateDeps): Promise<{ contact: typeof contacts.$inferSelect; lifted: string[] }> {
  const [contact] = await db.select().from(contacts).where(eq(contacts.id, input.contactId));
  if (!contact) throw notFound("Contact");
  if (contact.status === "complained") throw new AppError("suppression_permanent", SPAM_COMPLAINT_PERMANENT);
  if (contact.status === "pending") throw new AppError("contact_pending", `${contact.email} has not confirmed the signup yet; the link in the confirmation email subscribes it`);
  if (contact.status === "subscribed") return { contact, lifted: [] };

  const found: Found[] = [];
  for (const stream of [...new Set(deps.streams)]) {
    const dump = await postmarkCall(() => deps.postmark.getSuppressions(stream, { emailAddress: contact.email }));
    for (const s of dump.Suppressions) {
      if (s.EmailAddress.toLowerCase() === contact.email.toLowerCase()) found.push({ stream, reason: s.SuppressionReason, origin: s.Origin });
    }
  }
  for (const s of found) {
    if (s.reason === "SpamComplaint") throw new AppError("suppression_permanent", SPAM_COMPLAINT_PERMANENT);
    if (s.reason === "ManualSuppression" && s.origin === "Recipient") {
      throw new AppError("suppression_permanent", `${contact.email} unsubscribed through Postmark's own link (${s.stream} stream): Postmark lets only the person lift that, by subscribing again (a signup form).`);
    }
    if (s.origin === "Admin") throw new AppError("suppression_permanent", `${contact.email} was suppressed by Postmark's staff (${s.stream} stream): only Postmark's support can lift it.`);
  }

  const lifted: string[] = [];
  for (const s of found) {
    if (s.reason === "HardBounce") await activateHardBounce(deps.postmark, contact.email, s.stream);
    else {
      const r = await postmarkCall(() => deps.postmark.deleteSuppressions(s.stream, { Suppressions: [{ EmailAddress: contact.email }] }));
      const failed = r.Suppressions.find((x) => x.Status === "Failed");
      if (failed) throw new AppError("postmark_error", `Postmark did not lift the suppression on the ${s.stream} stream: ${failed.Message ?? "no reason given"}`);
    }
    lifted.push(s.stream);
  }

  const now = deps.now();
  const reason = `Reactivated by ${input.actor}${lifted.length ? `; Postmark's suppression lifted (${lifted.join(", ")})` : ""}`;
  const updated = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(contacts)
      .set({ status: "subscribed", statusReason: reason, statusChangedAt: now, updatedAt: now })
      .where(eq(contacts.id, contact.id))
      .returning();
    await tx.execute(sql`delete from postmark_suppressions where email = ${contact.email.toLowerCase()}`);
    return row;
  });
  return { contact: updated, lifted };
}

/** The address's hard bounce on the stream, activated; Postmark must say CanActivate. */
async function activateHardBounce(postmark: ServerClient, email: string, stream: string): Promise<void> {
  const bounces = await postmarkCall(() => postmark.getBounces({ count: 100, offset: 0, emailFilter: email, messageStream: stream, inactive: true }));
  const mine = bounces.Bounces.filter((b) => b.Email.toLowerCase() === email.toLowerCase());
  const activatable = mine.find((b) => b.CanActivate);
  if (activatable) {
    await postmarkCall(() => postmark.activateBounce(activatable.ID));
    return;
  }
  if (mine.length) throw new AppError("suppression_permanent", `Postmark does not allow reactivating ${email} on the ${stream} stream (its bounce has CanActivate false).`);
  // The bounce is past Postmark's retention (45 days): deleting the suppression reactivates it.
  const r = await postmarkCall(() => postmark.deleteSuppressions(stream, { Suppressions: [{ EmailAddress: email }] }));
  const failed = r.Suppressions.find((x) => x.Status === "Failed");
  if (failed) throw new AppError("postmark_error", `Postmark did not lift the hard bounce on the ${stream} stream: ${failed.Message ?? "no reason given"}`);
}

/** Postmark's failures as errors a caller can show: the status, never a stack. */
async function postmarkCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (!status) throw error;
    const hint = status === 401 ? " (check POSTMARK_SERVER_TOKEN)" : status >= 500 ? ": try again in a minute" : `: ${(error as Error).message}`;
    throw new AppError("postmark_error", `Postmark answered HTTP ${status}${hint}`);
  }
}
