"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { invalid, type ActionResult } from "@/lib/app/action-result";
import { requireUser } from "@/lib/app/session";
import { emailSchema } from "@/lib/contacts/contacts";
import { getEnv } from "@/lib/env";
import { sendSingleEmail } from "@/lib/sending/single-email";
import { getAppDb, getSendingDeps } from "@/lib/app/deps";

const singleSchema = z
  .object({
    to: emailSchema,
    from: z.string().trim().max(320).optional(),
    subject: z.string().trim().min(1, "The subject cannot be empty").max(998),
    html: z.string().max(5 * 1024 * 1024).optional(),
    text: z.string().max(5 * 1024 * 1024).optional(),
  })
  .refine((v) => Boolean(v.html?.trim() || v.text?.trim()), { message: "Write a body (HTML, plain text or both)", path: ["text"] });

export async function sendSingleEmailAction(_prev: ActionResult<{ messageId: string }> | null, form: FormData): Promise<ActionResult<{ messageId: string }>> {
  await requireUser("marketer");
  const raw = Object.fromEntries([...form.entries()].map(([k, v]) => [k, typeof v === "string" && v.trim() === "" ? undefined : v]));
  const parsed = singleSchema.safeParse(raw);
  if (!parsed.success) return invalid(parsed.error);
  const message = await sendSingleEmail(getAppDb(), getSendingDeps(), { ...parsed.data, from: parsed.data.from ?? getEnv().POSTMARK_FROM_EMAIL });
  revalidatePath("/messages");
  if (message.status === "failed") {
    return { ok: false, error: message.errorCode === 406 ? `Postmark will not send to ${message.toEmail}: the address is inactive (bounced, complained or suppressed).` : `Postmark refused the email: ${message.errorMessage}` };
  }
  return {
    ok: true,
    message: message.status === "sent" ? `Sent to ${message.toEmail}. Postmark MessageID ${message.postmarkMessageId}.` : `Queued for ${message.toEmail}: Postmark is busy; it will go out shortly.`,
    data: { messageId: message.id },
  };
}
