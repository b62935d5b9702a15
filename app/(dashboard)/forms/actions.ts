"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { fieldErrors, fromError, type ActionResult } from "@/lib/app/action-result";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { AppError } from "@/lib/errors";
import { createForm, formInputSchema, MAX_FIELDS, setFormArchived, updateForm } from "@/lib/forms/forms";
import { idField } from "@/lib/http/id";

const idSchema = idField("Unknown form");

/**
 * The editor's inputs as the API's body: text as typed, checkboxes as booleans, lists and origins as
 * arrays, custom fields from their rows (a row without a name or label is left out). `rowOf` maps a
 * field's index back to its row, so an error lands beside the input that caused it.
 */
function readEditor(form: FormData) {
  const text = (name: string) => String(form.get(name) ?? "");
  const optionalUrl = (name: string) => (text(name).trim() === "" ? null : text(name).trim());
  const fields: { kind: "name" | "custom"; name?: string; label: string; required: boolean }[] = [];
  const rowOf: string[] = [];
  if (form.get("ask_name") === "on") {
    fields.push({ kind: "name", label: text("name_label").trim() || "Name", required: form.get("name_required") === "on" });
    rowOf.push("name_label");
  }
  for (let i = 0; i < MAX_FIELDS; i++) {
    const name = text(`custom_name_${i}`).trim();
    const label = text(`custom_label_${i}`).trim();
    if (!name && !label) continue;
    fields.push({ kind: "custom", name, label, required: form.get(`custom_required_${i}`) === "on" });
    rowOf.push(`custom_name_${i}`);
  }
  const input = {
    name: text("name"),
    email_label: text("email_label"),
    fields,
    heading: text("heading"),
    intro: text("intro"),
    consent_text: text("consent_text"),
    submit_label: text("submit_label"),
    double_opt_in: form.get("double_opt_in") === "on",
    confirmation_subject: text("confirmation_subject"),
    confirmation_html: text("confirmation_html"),
    confirmation_text: text("confirmation_text"),
    thank_you_message: text("thank_you_message"),
    thank_you_url: optionalUrl("thank_you_url"),
    confirmed_message: text("confirmed_message"),
    confirmed_url: optionalUrl("confirmed_url"),
    allowed_origins: text("allowed_origins").split(/[\s,]+/).filter(Boolean),
    list_ids: form.getAll("list_ids").map(String),
    tags: text("tags").split(",").map((t) => t.trim()).filter(Boolean),
  };
  return { input, rowOf };
}

function refused(error: z.ZodError, rowOf: string[]): ActionResult<never> {
  const errors = fieldErrors(error);
  for (const issue of error.issues) {
    if (issue.path[0] === "fields" && typeof issue.path[1] === "number") errors[rowOf[issue.path[1]] ?? "fields"] ??= issue.message;
  }
  delete errors.fields;
  return { ok: false, error: "Check the highlighted fields", fieldErrors: errors };
}

function failed(error: unknown): ActionResult<never> {
  if (error instanceof AppError && error.code === "validation_failed" && error.details && "field" in error.details) {
    const field = String((error.details as { field: unknown }).field);
    return { ok: false, error: error.message, fieldErrors: { [field]: error.message } };
  }
  return fromError(error, { unknown_list: "list_ids", unknown_tag: "tags" });
}

export async function createFormAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser();
  const { input, rowOf } = readEditor(form);
  const parsed = formInputSchema.safeParse(input);
  if (!parsed.success) return refused(parsed.error, rowOf);
  let id: string;
  try {
    id = (await createForm(getAppDb(), { form: input, createdById: user.id }, new Date())).id;
  } catch (error) {
    return failed(error);
  }
  revalidatePath("/forms");
  redirect(`/forms/${id}`);
}

export async function updateFormAction(formId: string, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser();
  const id = idSchema.safeParse(formId);
  if (!id.success) return { ok: false, error: "Unknown form" };
  const { input, rowOf } = readEditor(form);
  const parsed = formInputSchema.safeParse(input);
  if (!parsed.success) return refused(parsed.error, rowOf);
  try {
    await updateForm(getAppDb(), { id: id.data, patch: input }, new Date());
  } catch (error) {
    return failed(error);
  }
  revalidatePath("/forms");
  revalidatePath(`/forms/${id.data}`);
  redirect(`/forms/${id.data}`);
}

export async function setFormArchivedAction(_prev: { ok: true; message: string } | { ok: false; error: string } | null, form: FormData): Promise<{ ok: true; message: string } | { ok: false; error: string }> {
  await requireUser();
  const id = idSchema.safeParse(form.get("formId"));
  if (!id.success) return { ok: false, error: "Unknown form" };
  const archived = form.get("archived") === "true";
  try {
    await setFormArchived(getAppDb(), { id: id.data, archived }, new Date());
  } catch (error) {
    return fromError(error);
  }
  revalidatePath("/forms");
  revalidatePath(`/forms/${id.data}`);
  return { ok: true, message: archived ? "Archived: the form no longer accepts signups" : "Restored: the form accepts signups again" };
}
