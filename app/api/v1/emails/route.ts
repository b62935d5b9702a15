import { z } from "zod";
import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiMessage } from "@/lib/app/api-shapes";
import { emailSchema } from "@/lib/contacts/contacts";
import { AppError } from "@/lib/errors";
import { sendSingleEmail } from "@/lib/sending/single-email";
import { getSendingDeps } from "@/lib/app/deps";

export const dynamic = "force-dynamic";

const metadataKey = z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, "Metadata keys are up to 20 letters, digits, _ or -").refine((k) => !k.startsWith("postline_"), "postline_ keys are reserved");

const emailInputSchema = z
  .strictObject({
    to: emailSchema,
    subject: z.string().trim().min(1, "The subject cannot be empty").max(998),
    html: z.string().max(5 * 1024 * 1024).optional(),
    text: z.string().max(5 * 1024 * 1024).optional(),
    from: z.string().trim().max(320).optional(),
    tag: z.string().max(1000).optional(),
    track_opens: z.boolean().default(true),
    track_links: z.boolean().default(true),
    metadata: z.record(metadataKey, z.string().max(80, "Metadata values are at most 80 characters")).refine((m) => Object.keys(m).length <= 8, "At most 8 metadata keys").optional(),
  })
  .refine((v) => Boolean(v.html?.trim() || v.text?.trim()), { message: "Give html, text or both", path: ["html"] });

/**
 * Sends one email on the transactional stream, personalized from the recipient's contact and tracked
 * (opens, links) unless `track_opens` / `track_links` say false. 200 when Postmark accepted it, 202 when
 * it is queued (Postmark throttled or did not answer; it will be sent or adopted, never twice), 422 when
 * refused (by Postmark, or `invalid_template` before anything is stored).
 */
export const POST = apiRoute({}, async ({ req, db, env }) => {
  const { track_opens, track_links, ...input } = await readJson(req, emailInputSchema, 11 * 1024 * 1024);
  const message = await sendSingleEmail(db, {
    ...input,
    from: input.from ?? env.POSTMARK_FROM_EMAIL,
    personalize: true,
    trackOpens: track_opens,
    trackLinks: track_links,
  }, getSendingDeps());
  if (message.status === "failed") {
    const code = message.errorCode === 406 ? "inactive_recipient" : "rejected_by_postmark";
    throw new AppError(code, message.errorMessage ?? "Postmark refused the message", { message: toApiMessage(message) });
  }
  return Response.json({ data: toApiMessage(message) }, { status: message.status === "sent" ? 200 : 202 });
});
