"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { fromError, invalid, type ActionResult } from "@/lib/app/action-result";
import { requireUser } from "@/lib/app/session";
import { emailSchema } from "@/lib/contacts/contacts";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { sendSingleEmail } from "@/lib/sending/single-email";
import { getAppDb, getSendingDeps } from "@/lib/app/deps";

const singleSchema = z
  .object({
    to: emailSchema,
    from: z.string().trim().max(320).optional(),
    subject: z.string().trim().min(1, "The subject cannot be empty").max(998),
    html: z.string().max(5 * 1024 * 1024).optional(),
    text: z.string().max(5 * 1024 * 1024).optional(),
    // Checkboxes: present ("on") when ticked, absent when not.
    track_opens: z.literal("on").optional(),
    track_links: z.literal("on").optional(),
  })
  .refine((v) => Boolean(v.html?.trim() || v.text?.trim()), { message: "Write a body (HTML, plain text or both)", path: ["text"] });

/** Sends one email from the form, personalized from the recipient's contact; a template error is the field's. */
export async function sendSingleEmailAction(_prev: ActionResult<{ messageId: string }> | null, form: FormData): Promise<ActionResult<{ messageId: string }>> {
  await requireUser("marketer");
  const raw = Object.fromEntries([...form.entries()].map(([k, v]) => [k, typeof v === "string" && v.trim() === "" ? undefined : v]));
  const parsed = singleSchema.safeParse(raw);
  if (!parsed.success) return invalid(parsed.error);
  const { track_opens, track_links, ...input } = parsed.data;
  let message;
  try {
    message = await sendSingleEmail(getAppDb(), {
      ...input,
      from: input.from ?? getEnv().POSTMARK_FROM_EMAIL,
      personalize: true,
      trackOpens: track_opens === "on",
      trackLinks: track_links === "on",
    }, getSendingDeps());
  } catch (error) {
    if (error instanceof AppError && error.code === "invalid_template") {
      const part = (error.details as { part?: string } | undefined)?.part ?? "text";
      return { ok: false, error: error.message, fieldErrors: { [part]: error.message } };
    }
    return fromError(error);
  }
  revalidatePath("/messages");
  if (message.status === "failed") {
    return { ok: false, error: message.errorCode === 406 ? `Postmark will not send to ${message.toEmail}: the address is inactive (bounced, complained or suppressed).` : `Postmark refused the email: ${message.errorMessage}` };
  }
  return {
    ok: true,
    // Still waiting (Postmark throttled it, or another worker holds it right now) versus handed to
    // Postmark: a Delivery webhook may already have moved a sent message further than "sent".
    message:
      message.status === "queued" || message.status === "sending"
        ? `Queued for ${message.toEmail}: it will go out shortly.`
        : `Sent to ${message.toEmail}. Postmark MessageID ${message.postmarkMessageId}.`,
    data: { messageId: message.id },
  };
}
