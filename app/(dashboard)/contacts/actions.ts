"use server";

import { revalidatePath } from "next/cache";
import { fromError, invalid, type ActionResult } from "@/lib/actions/result";
import { requireUser } from "@/lib/auth/session";
import { contactInputSchema, createContact, createList, listInputSchema } from "@/lib/contacts/contacts";
import { getAppDb } from "@/lib/server";

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
  if (!parsed.success) return invalid(parsed.error);
  try {
    const contact = await createContact(getAppDb(), parsed.data);
    revalidatePath("/contacts");
    return { ok: true, message: `${contact.email} added.` };
  } catch (error) {
    return fromError(error, { contact_exists: "email" });
  }
}
