"use server";

import { revalidatePath } from "next/cache";
import { fromError, invalid, type ActionResult } from "@/lib/app/action-result";
import { requireUser } from "@/lib/app/session";
import { contactInputSchema, contactPatchSchema, createContact, createList, listInputSchema, updateContact } from "@/lib/contacts/contacts";
import { getAppDb } from "@/lib/app/deps";
import { idField } from "@/lib/http/id";

export async function createListAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const parsed = listInputSchema.safeParse({ name: form.get("name") });
  if (!parsed.success) return invalid(parsed.error);
  try {
    const list = await createList(getAppDb(), parsed.data);
    revalidatePath("/contacts");
    return { ok: true, message: `List "${list.name}" created.` };
  } catch (error) {
    return fromError(error, { list_exists: "name" });
  }
}

export async function createContactAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const listId = String(form.get("list_id") ?? "");
  const parsed = contactInputSchema.safeParse({
    email: form.get("email"),
    name: String(form.get("name") ?? "") || undefined,
    list_ids: listId ? [listId] : [],
  });
  // The form's select is `list_id`: its error is named so, to show beside it and take focus.
  if (!parsed.success) return invalid(parsed.error, { list_ids: "list_id" });
  try {
    const contact = await createContact(getAppDb(), parsed.data);
    revalidatePath("/contacts");
    return { ok: true, message: `${contact.email} added.` };
  } catch (error) {
    return fromError(error, { contact_exists: "email", unknown_list: "list_id" });
  }
}

// The contact's id is bound by the page (`action.bind(null, id)`), but a bound argument travels in the
// request like any field and can be forged: it is parsed as strictly as the form's own input.
const contactIdSchema = idField("Unknown contact");
const UNKNOWN_CONTACT: ActionResult<never> = { ok: false, error: "Unknown contact: reload the page" };

/** The contact form: name and every custom field (pairs of field_key / field_value). */
export async function updateContactAction(boundId: unknown, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser("marketer");
  const id = contactIdSchema.safeParse(boundId);
  if (!id.success) return UNKNOWN_CONTACT;
  const contactId = id.data;
  const keys = form.getAll("field_key").map(String);
  const values = form.getAll("field_value").map(String);
  const fields: Record<string, string> = {};
  for (const [i, raw] of keys.entries()) {
    const key = raw.trim();
    if (!key && !values[i]?.trim()) continue; // an empty row
    if (key in fields) return { ok: false, error: `The field ${key} appears twice`, fieldErrors: { fields: `The field ${key} appears twice`, [`fields.${i}`]: "Used twice" } };
    fields[key] = values[i] ?? "";
  }
  const parsed = contactPatchSchema.safeParse({ name: String(form.get("name") ?? ""), fields });
  if (!parsed.success) {
    const result = invalid(parsed.error);
    // A refused field name also names its row (`fields.<row>`), whose name input takes focus.
    const bad = parsed.error.issues.find((issue) => issue.path[0] === "fields" && issue.path.length > 1);
    const row = bad ? keys.findIndex((k) => k.trim() === String(bad.path[1])) : -1;
    if (row >= 0 && !result.ok) result.fieldErrors = { ...result.fieldErrors, [`fields.${row}`]: bad!.message };
    return result;
  }
  try {
    await updateContact(getAppDb(), { id: contactId, patch: parsed.data, actor: user.email }, new Date());
    revalidatePath(`/contacts/${contactId}`);
    return { ok: true, message: "Saved." };
  } catch (error) {
    return fromError(error);
  }
}

/** Unsubscribe or resubscribe by hand (a bounce or complaint stays until Postmark lifts it). */
export async function setContactSubscriptionAction(boundId: unknown, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser("marketer");
  const id = contactIdSchema.safeParse(boundId);
  if (!id.success) return UNKNOWN_CONTACT;
  const contactId = id.data;
  const parsed = contactPatchSchema.pick({ status: true }).safeParse({ status: form.get("status") });
  if (!parsed.success) return invalid(parsed.error);
  try {
    const contact = await updateContact(getAppDb(), { id: contactId, patch: parsed.data, actor: user.email }, new Date());
    revalidatePath(`/contacts/${contactId}`);
    return { ok: true, message: contact.status === "unsubscribed" ? "Unsubscribed: no campaign will be sent to this address." : "Subscribed again." };
  } catch (error) {
    return fromError(error);
  }
}
