import { getAppDb, getFormDeps } from "@/lib/app/deps";
import { requestClientIp } from "@/lib/app/client-ip";
import { AppError } from "@/lib/errors";
import { getContact } from "@/lib/contacts/contacts";
import { renderConfirmPage, renderMessagePage } from "@/lib/forms/page";
import { confirmSignup, resolveConfirmation } from "@/lib/forms/signups";
import { failedPage, htmlResponse } from "./responses";

/**
 * Double opt-in confirmation, shared by the short link in the email (`/c/{token}`) and the form-scoped one
 * (`/f/{formId}/confirm/{token}`).
 */
// GET shows a button and changes nothing (mail scanners open every link); only the button's POST confirms.

function refused(error: AppError, formId: string): Response {
  if (error.code === "link_expired") {
    return htmlResponse(410, renderMessagePage("This link has expired", error.message, `<p><a href="/f/${encodeURIComponent(formId)}">Sign up again</a></p>`));
  }
  if (error.code === "contact_suppressed") return htmlResponse(409, renderMessagePage("We cannot subscribe this address", error.message));
  return htmlResponse(404, renderMessagePage("Link not valid", "This confirmation link is not valid. Copy the whole link from the email, or sign up again."));
}

function confirmedPage(form: { confirmedMessage: string; confirmedUrl: string | null }, already: boolean): Response {
  if (form.confirmedUrl && !already) return new Response(null, { status: 303, headers: { location: form.confirmedUrl, "cache-control": "no-store" } });
  return htmlResponse(200, renderMessagePage(already ? "Already confirmed" : "Subscription confirmed", already ? "Your subscription was already confirmed. Nothing more to do." : form.confirmedMessage));
}

/** The confirmation page (GET) for a token, on /c/{token} and on /f/{formId}/confirm/{token}. */
export async function confirmationPage(formId: string, token: string): Promise<Response> {
  try {
    const db = getAppDb();
    const found = await resolveConfirmation(db, { formId, token }, getFormDeps(), new Date());
    if (found.state === "confirmed") return confirmedPage(found.form, true);
    const contact = await getContact(db, found.signup.contactId);
    return htmlResponse(200, renderConfirmPage({ form: found.form, email: contact?.email ?? "", action: `/c/${token}` }));
  } catch (error) {
    if (error instanceof AppError) return refused(error, formId);
    return failedPage("form confirmation", error);
  }
}

/** The Confirm button (POST): the only request that confirms. */
export async function confirmationPost(req: Request, formId: string, token: string): Promise<Response> {
  // The button posts nothing; a body is never read.
  try {
    const result = await confirmSignup(getAppDb(), { formId, token, ip: requestClientIp((n) => req.headers.get(n)), userAgent: req.headers.get("user-agent") ?? "" }, getFormDeps(), new Date());
    return confirmedPage(result.form, result.alreadyConfirmed);
  } catch (error) {
    if (error instanceof AppError) return refused(error, formId);
    return failedPage("form confirmation", error);
  }
}
