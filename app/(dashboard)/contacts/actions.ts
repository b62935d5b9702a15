"use server";

import { revalidatePath } from "next/cache";
import { formatNumber } from "@/components/ui/format";
import { redirect } from "next/navigation";
import { z } from "zod";
import { fromError, invalid, type ActionResult } from "@/lib/app/action-result";
import { requireUser } from "@/lib/app/session";
import { addContact, contactInputSchema, contactPatchSchema, createList, listInputSchema, unsubscribeContacts, updateContact } from "@/lib/contacts/contacts";
import { eraseContact, eraseContacts } from "@/lib/contacts/erase";
import { addContactsToList, deleteList, removeContactsFromList, renameList, setContactLists } from "@/lib/contacts/lists";
import { deleteTag, renameTag, tagContact, tagContacts, tagInputSchema, tagNamesSchema, untagContact, untagContacts } from "@/lib/contacts/tags";
import { getAppDb, getSuppressionSyncDeps } from "@/lib/app/deps";
import { reactivateContact } from "@/lib/postmark-admin/reactivate";
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
    const { contact, created } = await getAppDb().transaction((tx) => addContact(tx, parsed.data));
    revalidatePath("/contacts");
    // An address that is already a contact joins the chosen list instead of failing.
    return { ok: true, message: created ? `${contact.email} added.` : `${contact.email} was already a contact: added to the list.` };
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

/**
 * Unsubscribe, or reactivate by hand: subscribing again lifts Postmark's suppression first (a hard
 * bounce through the Bounces API, a manual suppression deleted) and refuses what Postmark will not lift
 * (a spam complaint, the person's own unsubscribe through Postmark's link).
 */
export async function setContactSubscriptionAction(boundId: unknown, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser("marketer");
  const id = contactIdSchema.safeParse(boundId);
  if (!id.success) return UNKNOWN_CONTACT;
  const contactId = id.data;
  const parsed = contactPatchSchema.pick({ status: true }).safeParse({ status: form.get("status") });
  if (!parsed.success) return invalid(parsed.error);
  try {
    if (parsed.data.status === "subscribed") {
      const { lifted } = await reactivateContact(getAppDb(), { contactId, actor: user.email }, getSuppressionSyncDeps());
      revalidatePath(`/contacts/${contactId}`);
      return { ok: true, message: lifted.length ? `Subscribed again; Postmark's suppression was lifted (${lifted.join(", ")}).` : "Subscribed again." };
    }
    const contact = await updateContact(getAppDb(), { id: contactId, patch: parsed.data, actor: user.email }, new Date());
    revalidatePath(`/contacts/${contactId}`);
    return { ok: true, message: contact.status === "unsubscribed" ? "Unsubscribed: no campaign will be sent to this address." : "Subscribed again." };
  } catch (error) {
    return fromError(error);
  }
}

const listIdSchema = idField("Unknown list");
const UNKNOWN_LIST: ActionResult<never> = { ok: false, error: "Unknown list: reload the page" };

/** Renames a list (the list's id is bound by the page). */
export async function renameListAction(boundId: unknown, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const id = listIdSchema.safeParse(boundId);
  if (!id.success) return UNKNOWN_LIST;
  const parsed = listInputSchema.safeParse({ name: form.get("name") });
  if (!parsed.success) return invalid(parsed.error);
  try {
    const list = await renameList(getAppDb(), { id: id.data, name: parsed.data.name });
    revalidatePath("/contacts");
    return { ok: true, message: `Renamed to "${list.name}".` };
  } catch (error) {
    return fromError(error, { list_exists: "name" });
  }
}

/** Deletes a list; its contacts stay. */
export async function deleteListAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const id = listIdSchema.safeParse(form.get("list_id"));
  if (!id.success) return UNKNOWN_LIST;
  try {
    const { name, members } = await deleteList(getAppDb(), { id: id.data });
    revalidatePath("/contacts");
    return { ok: true, message: `List "${name}" deleted; its ${formatNumber(members)} contacts stay.` };
  } catch (error) {
    return fromError(error);
  }
}

const tagIdSchema = idField("Unknown tag");
const UNKNOWN_TAG: ActionResult<never> = { ok: false, error: "Unknown tag: reload the page" };

/** A text input's comma-separated tag names, checked by lib/contacts/tags.ts's rules; at least one. */
const tagNamesInputSchema = z.object({
  tags: z
    .string()
    // The first spelling of each name, as lib/contacts/tags.ts keeps it (names are one whatever their case).
    .transform((raw) => {
      const names = new Map<string, string>();
      for (const name of raw.split(",").map((n) => n.trim())) if (name && !names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
      return [...names.values()];
    })
    .pipe(tagNamesSchema.min(1, "Name at least one tag")),
});

const parseTagNames = (form: FormData) => tagNamesInputSchema.safeParse({ tags: String(form.get("tags") ?? "") });

/** Renames a tag (the tag's id is bound by the page); its contacts keep it. */
export async function renameTagAction(boundId: unknown, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const id = tagIdSchema.safeParse(boundId);
  if (!id.success) return UNKNOWN_TAG;
  const parsed = tagInputSchema.safeParse({ name: form.get("name") });
  if (!parsed.success) return invalid(parsed.error);
  try {
    const tag = await renameTag(getAppDb(), { id: id.data, name: parsed.data.name }, new Date());
    revalidatePath("/contacts");
    return { ok: true, message: `Renamed to "${tag.name}".` };
  } catch (error) {
    return fromError(error, { tag_exists: "name" });
  }
}

/** Deletes a tag: its contacts stay, untagged (each announced as Contact.Untagged). */
export async function deleteTagAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const id = tagIdSchema.safeParse(form.get("tag_id"));
  if (!id.success) return UNKNOWN_TAG;
  try {
    const { name, contacts } = await deleteTag(getAppDb(), { id: id.data }, new Date());
    revalidatePath("/contacts");
    return { ok: true, message: `Tag "${name}" deleted; its ${formatNumber(contacts)} contacts stay.` };
  } catch (error) {
    return fromError(error);
  }
}

/** The contact page's tag form: comma-separated names, missing tags created. */
export async function tagContactAction(boundId: unknown, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const id = contactIdSchema.safeParse(boundId);
  if (!id.success) return UNKNOWN_CONTACT;
  const parsed = parseTagNames(form);
  if (!parsed.success) return invalid(parsed.error);
  try {
    await tagContact(getAppDb(), { contactId: id.data, tagNames: parsed.data.tags }, new Date());
    revalidatePath(`/contacts/${id.data}`);
    revalidatePath("/contacts");
    const names = parsed.data.tags.map((n) => `"${n}"`).join(", ");
    return { ok: true, message: `Tagged ${names}.` };
  } catch (error) {
    return fromError(error);
  }
}

/** The contact page's remove button on one tag chip. */
export async function untagContactAction(boundId: unknown, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const id = contactIdSchema.safeParse(boundId);
  if (!id.success) return UNKNOWN_CONTACT;
  const tagId = tagIdSchema.safeParse(form.get("tag_id"));
  if (!tagId.success) return UNKNOWN_TAG;
  try {
    await untagContact(getAppDb(), { contactId: id.data, tagId: tagId.data }, new Date());
    revalidatePath(`/contacts/${id.data}`);
    revalidatePath("/contacts");
    return { ok: true, message: "Tag removed." };
  } catch (error) {
    return fromError(error);
  }
}

const BULK_ACTIONS = ["add_to_list", "remove_from_list", "add_tag", "remove_tag", "unsubscribe", "delete"] as const;
const bulkSchema = z.object({
  action: z.enum(BULK_ACTIONS, { message: "Choose an action" }),
  contact_ids: z.array(idField("Unknown contact")).min(1, "Select at least one contact").max(500),
  list_id: z.union([idField("Choose a list"), z.literal("")]).optional(),
  tag_id: z.union([idField("Choose a tag"), z.literal("")]).optional(),
});

/** The contacts table's bulk actions on the selected rows. */
export async function bulkContactsAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser("marketer");
  const parsed = bulkSchema.safeParse({
    action: form.get("action"),
    contact_ids: form.getAll("contact_id").map(String),
    list_id: String(form.get("list_id") ?? ""),
    tag_id: String(form.get("tag_id") ?? ""),
  });
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0].message };
  const { action, contact_ids: contactIds, list_id: listId, tag_id: tagId } = parsed.data;
  const db = getAppDb();
  const n = (count: number, what = "contact") => `${formatNumber(count)} ${what}${count === 1 ? "" : "s"}`;
  try {
    let message: string;
    if (action === "add_to_list" || action === "remove_from_list") {
      if (!listId) return { ok: false, error: "Choose a list", fieldErrors: { list_id: "Choose a list" } };
      if (action === "add_to_list") {
        const { list, added } = await addContactsToList(db, { listId, contactIds });
        message = `${n(added)} added to "${list.name}"${added < contactIds.length ? ` (${n(contactIds.length - added)} already in it)` : ""}.`;
      } else {
        const { list, removed } = await removeContactsFromList(db, { listId, contactIds });
        message = `${n(removed)} removed from "${list.name}".`;
      }
    } else if (action === "add_tag") {
      const names = parseTagNames(form);
      if (!names.success) return invalid(names.error);
      const { tags, added } = await tagContacts(db, { contactIds, tagNames: names.data.tags, createMissing: true }, new Date());
      const tagNames = tags.map((t) => `"${t.name}"`).join(", ");
      // `added` counts (contact, tag) pairs: with one tag, that is contacts.
      message =
        tags.length === 1
          ? `${n(added)} tagged ${tagNames}${added < contactIds.length ? ` (${n(contactIds.length - added)} already had it)` : ""}.`
          : `${n(added, "tag")} added to ${n(contactIds.length)} (${tagNames}).`;
    } else if (action === "remove_tag") {
      if (!tagId) return { ok: false, error: "Choose a tag", fieldErrors: { tag_id: "Choose a tag" } };
      const { tags, removed } = await untagContacts(db, { contactIds, tagIds: [tagId] }, new Date());
      message = `"${tags[0]?.name ?? "Tag"}" removed from ${n(removed)}.`;
    } else if (action === "unsubscribe") {
      const { unsubscribed } = await unsubscribeContacts(db, { contactIds, actor: user.email }, new Date());
      message = `${n(unsubscribed)} unsubscribed${unsubscribed < contactIds.length ? " (the others were not subscribed)" : ""}.`;
    } else {
      const { erased } = await eraseContacts(db, { contactIds, actor: user.email }, new Date());
      message = `${n(erased)} deleted and erased.`;
    }
    revalidatePath("/contacts");
    return { ok: true, message };
  } catch (error) {
    return fromError(error);
  }
}

/** The contact page's list checkboxes: the contact is in exactly the checked lists. */
export async function setContactListsAction(boundId: unknown, _prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const id = contactIdSchema.safeParse(boundId);
  if (!id.success) return UNKNOWN_CONTACT;
  const listIds = z.array(listIdSchema).max(1000).safeParse(form.getAll("list_id").map(String));
  if (!listIds.success) return UNKNOWN_LIST;
  try {
    const { added, removed } = await setContactLists(getAppDb(), { contactId: id.data, listIds: listIds.data });
    revalidatePath(`/contacts/${id.data}`);
    revalidatePath("/contacts");
    return { ok: true, message: added || removed ? "Lists saved." : "No change." };
  } catch (error) {
    return fromError(error);
  }
}

/** Deletes (erases) a contact, then goes back to the contacts table. */
export async function deleteContactAction(boundId: unknown, _prev: ActionResult | null): Promise<ActionResult> {
  const user = await requireUser("marketer");
  const id = contactIdSchema.safeParse(boundId);
  if (!id.success) return UNKNOWN_CONTACT;
  try {
    await eraseContact(getAppDb(), { contactId: id.data, actor: user.email }, new Date());
  } catch (error) {
    return fromError(error);
  }
  revalidatePath("/contacts");
  redirect("/contacts?erased=1");
}
