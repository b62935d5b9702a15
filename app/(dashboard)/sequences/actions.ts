"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { fieldErrors, fromError, type ActionResult } from "@/lib/app/action-result";
import { advanceSendingAfterResponse } from "@/lib/app/continue-sending";
import { getAppDb, getSendingDeps } from "@/lib/app/deps";
import { getEnv } from "@/lib/env";
import { requireUser } from "@/lib/app/session";
import { AppError } from "@/lib/errors";
import { idField } from "@/lib/http/id";
import { enrollContactByEmail, removeEnrollment } from "@/lib/sequences/enrollments";
import { sendSequenceEmailTest } from "@/lib/sequences/test-send";
import { MAX_SEQUENCE_EMAILS, activateSequence, createSequence, pauseSequence, sequenceInputSchema, sequencePatchSchema, updateSequence } from "@/lib/sequences/sequences";

const idSchema = idField("Unknown sequence");

/**
 * The editor's inputs as the API's body. Email rows are numbered; a row with neither subject nor body is
 * left out (the blank row for a new email), one ticked "delete" too. `rowOf` maps an email's index in
 * the body back to its row, so an error lands beside its inputs.
 */
function readEditor(form: FormData) {
  const text = (name: string) => String(form.get(name) ?? "");
  const emails: { id?: string; subject: string; html: string; text: string | null; delay: { amount: number; unit: string } }[] = [];
  const rowOf: number[] = [];
  for (let i = 0; i <= MAX_SEQUENCE_EMAILS; i++) {
    if (!form.has(`subject_${i}`)) continue;
    const subject = text(`subject_${i}`);
    const html = text(`html_${i}`);
    if (form.get(`delete_${i}`) === "on" || (!subject.trim() && !html.trim())) continue;
    const amount = text(`delay_amount_${i}`).trim();
    emails.push({
      ...(text(`email_id_${i}`) ? { id: text(`email_id_${i}`) } : {}),
      subject,
      html,
      text: text(`text_${i}`) || null,
      delay: { amount: amount === "" ? 0 : Number(amount), unit: text(`delay_unit_${i}`) || "days" },
    });
    rowOf.push(i);
  }
  const [type, id] = text("trigger").split(":");
  const input = {
    name: text("name"),
    ...(text("from").trim() ? { from: text("from") } : {}),
    trigger: { type, ...(id ? { id } : {}) },
    reenroll: form.get("reenroll") === "on",
    window:
      form.get("window_on") === "on"
        ? { days: form.getAll("days").map(String), start_hour: Number(text("start_hour")), end_hour: Number(text("end_hour")) }
        : null,
    time_zone: text("time_zone").trim() || "UTC",
    exit: { tag_ids: form.getAll("exit_tag_ids").map(String), list_ids: form.getAll("exit_list_ids").map(String) },
    emails,
  };
  return { input, rowOf };
}

/** Errors beside the inputs that caused them (an email's by its row). */
function refused(error: unknown, rowOf: number[]): ActionResult<never> {
  if (error instanceof z.ZodError) {
    const errors = fieldErrors(error);
    for (const issue of error.issues) {
      if (issue.path[0] === "emails" && typeof issue.path[1] === "number") {
        const part = issue.path[2] === "delay" ? "delay_amount" : String(issue.path[2] ?? "subject");
        errors[`${part}_${rowOf[issue.path[1]] ?? 0}`] ??= issue.message;
      }
      if (issue.path[0] === "window") errors[issue.path[1] === "days" ? "days" : "start_hour"] ??= issue.message;
    }
    delete errors.emails;
    delete errors.window;
    return { ok: false, error: "Check the highlighted fields", fieldErrors: errors };
  }
  if (error instanceof AppError) {
    const email = (error.details as { email?: number } | undefined)?.email;
    const row = email === undefined ? undefined : rowOf[email];
    const field =
      error.code === "no_emails" ? "subject_0"
      : error.code === "invalid_window" ? "start_hour"
      : error.code === "invalid_delay" && row !== undefined ? `delay_amount_${row}`
      : error.code === "invalid_template" && row !== undefined ? `${(error.details as { part?: string }).part ?? "subject"}_${row}`
      : error.code === "unknown_time_zone" ? "time_zone"
      : error.code === "validation_failed" && error.message.startsWith("trigger") ? "trigger"
      : undefined;
    return { ok: false, error: error.message, fieldErrors: field ? { [field]: error.message } : undefined };
  }
  return fromError(error);
}

export async function createSequenceAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser();
  const { input, rowOf } = readEditor(form);
  let id: string;
  try {
    const parsed = sequenceInputSchema.parse(input);
    id = (await createSequence(getAppDb(), parsed, { defaultFrom: getEnv().POSTMARK_FROM_EMAIL, createdById: user.id }, new Date())).id;
  } catch (error) {
    return refused(error, rowOf);
  }
  revalidatePath("/sequences");
  redirect(`/sequences/${id}`);
}

export async function updateSequenceAction(sequenceId: string, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser();
  const { input, rowOf } = readEditor(form);
  try {
    const id = idSchema.parse(sequenceId);
    const patch = sequencePatchSchema.parse({ ...input, continue_completed: form.get("continue_completed") === "on" });
    await updateSequence(getAppDb(), { id, patch }, new Date());
  } catch (error) {
    return refused(error, rowOf);
  }
  revalidatePath(`/sequences/${sequenceId}`);
  redirect(`/sequences/${sequenceId}`);
}

type Result = { ok: true; message: string } | { ok: false; error: string };

export async function activateSequenceAction(_prev: Result | null, form: FormData): Promise<Result> {
  const user = await requireUser();
  try {
    const id = idSchema.parse(form.get("id"));
    const due = form.get("due") === "send" ? "send" : "spread";
    const s = await activateSequence(getAppDb(), { id, resume: { due, spread_minutes: Number(form.get("spread_minutes")) || 60 }, by: { role: user.role, userId: user.id } }, new Date());
    advanceSendingAfterResponse();
    revalidatePath(`/sequences/${id}`);
    return { ok: true, message: `Sequence ${s.status}` };
  } catch (error) {
    return fromError(error);
  }
}

export async function pauseSequenceAction(_prev: Result | null, form: FormData): Promise<Result> {
  await requireUser();
  try {
    const id = idSchema.parse(form.get("id"));
    await pauseSequence(getAppDb(), { id }, new Date());
    revalidatePath(`/sequences/${id}`);
    return { ok: true, message: "Paused: every enrollment holds where it is" };
  } catch (error) {
    return fromError(error);
  }
}

/** Enrols a contact by address (the contact must exist). */
export async function enrollContactAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser();
  try {
    const id = idSchema.parse(form.get("id"));
    const email = String(form.get("email") ?? "").trim();
    if (!email) return { ok: false, error: "Type the contact's address", fieldErrors: { email: "Type the contact's address" } };
    await getAppDb().transaction((tx) => enrollContactByEmail(tx, { sequenceId: id, email }, new Date()));
    advanceSendingAfterResponse();
    revalidatePath(`/sequences/${id}`);
    return { ok: true, message: `${email} is enrolled` };
  } catch (error) {
    return fromError(error, { contact_suppressed: "email", contact_pending: "email", already_enrolled: "email", not_found: "email" });
  }
}

export async function removeEnrollmentAction(_prev: Result | null, form: FormData): Promise<Result> {
  await requireUser();
  try {
    const id = idSchema.parse(form.get("id"));
    const contactId = idField("Unknown contact").parse(form.get("contactId"));
    await getAppDb().transaction((tx) => removeEnrollment(tx, { sequenceId: id, contactId }, new Date()));
    revalidatePath(`/sequences/${id}`);
    return { ok: true, message: "Removed" };
  } catch (error) {
    return fromError(error);
  }
}


/**
 * A test of one email of the sequence as it stands (lib/sequences/test-send.ts): up to five addresses,
 * personalized as the chosen contact or sample values; never counted in the sequence.
 */
export async function testSequenceEmailAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  let sent;
  try {
    const id = idSchema.parse(form.get("id"));
    const emailId = idField("Unknown email").parse(form.get("emailId"));
    const contactId = String(form.get("contactId") ?? "").trim() || null;
    sent = await sendSequenceEmailTest(getAppDb(), { sequenceId: id, emailId, to: String(form.get("to") ?? ""), contactId }, getSendingDeps());
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found" && error.message.startsWith("Contact")) return fromError(error, { not_found: "contactId" });
    return fromError(error, { validation_failed: "to", invalid_template: "to" });
  }
  const failed = sent.filter((m) => m.status === "failed");
  if (failed.length) return { ok: false, error: `Postmark refused the test for ${failed.map((m) => `${m.toEmail} (${m.errorMessage})`).join(", ")}` };
  return { ok: true, message: `Test sent to ${sent.map((m) => m.toEmail).join(", ")}.` };
}
