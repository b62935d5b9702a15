"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createApiKey, revokeApiKey } from "@/lib/api-keys/api-keys";
import { requireAdmin } from "@/lib/app/session";
import { fieldErrors, fromError, type ActionResult } from "@/lib/app/action-result";
import { idField } from "@/lib/http/id";
import { getAppDb } from "@/lib/app/deps";
import { createUser, getUser, setUserAccess } from "@/lib/users/users";


const createUserSchema = z.object({
  email: z.string().trim().email("Enter a valid email address"),
  name: z.string().trim().max(200).default(""),
  password: z.string().min(10, "Use at least 10 characters").max(200),
  role: z.enum(["admin", "marketer"]),
});

export async function createUserAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireAdmin();
  const parsed = createUserSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return { ok: false, error: "Check the highlighted fields", fieldErrors: fieldErrors(parsed.error) };
  try {
    const user = await createUser(getAppDb(), parsed.data);
    revalidatePath("/settings");
    return { ok: true, message: `${user.email} can now sign in as ${user.role}.` };
  } catch (error) {
    return fromError(error, { email_taken: "email" });
  }
}

const toggleSchema = z.object({ userId: idField("Unknown user"), disabled: z.enum(["true", "false"]) });

export async function setUserDisabledAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const admin = await requireAdmin();
  const parsed = toggleSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return { ok: false, error: "Unknown user" };
  const disable = parsed.data.disabled === "true";
  const db = getAppDb();
  if (disable && parsed.data.userId === admin.id) return { ok: false, error: "You cannot disable your own account" };
  const target = await getUser(db, parsed.data.userId);
  if (!target) return { ok: false, error: "Unknown user" };
  try {
    // lib/users refuses to disable the last active admin, under a lock (two admins may act at once).
    await setUserAccess(db, { id: target.id, disabled: disable }, new Date());
  } catch (error) {
    return fromError(error);
  }
  revalidatePath("/settings");
  return { ok: true, message: `${target.email} is ${disable ? "disabled" : "enabled"}.` };
}

const createKeySchema = z.object({
  name: z.string().trim().min(1, "Name the key after what will use it").max(100),
  role: z.enum(["admin", "marketer"]),
});

export async function createApiKeyAction(
  _prev: ActionResult<{ key: string }> | null,
  form: FormData,
): Promise<ActionResult<{ key: string }>> {
  const admin = await requireAdmin();
  const parsed = createKeySchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return { ok: false, error: "Check the highlighted fields", fieldErrors: fieldErrors(parsed.error) };
  const { key } = await createApiKey(getAppDb(), { ...parsed.data, createdById: admin.id });
  revalidatePath("/settings");
  return { ok: true, message: "Copy this key now: it will not be shown again.", data: { key } };
}

export async function revokeApiKeyAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireAdmin();
  const id = idField().safeParse(form.get("apiKeyId"));
  if (!id.success) return { ok: false, error: "Unknown API key" };
  await revokeApiKey(getAppDb(), { id: id.data }, new Date());
  revalidatePath("/settings");
  return { ok: true, message: "Key revoked." };
}
