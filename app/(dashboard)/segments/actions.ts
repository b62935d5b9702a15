"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { fromError, type ActionResult } from "@/lib/app/action-result";
import { getAppDb, getAppReads } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { countTargets, targetFieldsSchema, targetsFromFields } from "@/lib/campaigns/audience";
import { AppError } from "@/lib/errors";
import { idField } from "@/lib/http/id";
import { segmentDefinitionSchema, segmentNameSchema } from "@/lib/segments/definition";
import { createSegment, deleteSegment, previewSegment, updateSegment } from "@/lib/segments/segments";

export type SegmentPreview = { count: number; sample: { id: string; email: string; name: string; status: string }[] };

/**
 * Errors by condition: the key is the condition's path in the definition ("conditions.2"), so the
 * builder shows each message under its row; "name" and "form" for the rest.
 */
function conditionErrors(error: unknown): ActionResult<never> {
  if (error instanceof z.ZodError) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of error.issues) {
      const path = issue.path.map(String);
      const i = path.indexOf("conditions");
      const key = path[0] === "name" ? "name" : i >= 0 && path[i + 1] !== undefined ? `conditions.${path[i + 1]}` : "form";
      fieldErrors[key] ??= issue.message;
    }
    return { ok: false, error: "Check the highlighted conditions", fieldErrors };
  }
  if (error instanceof AppError && error.details && !Array.isArray(error.details)) {
    const conditions = (error.details as { conditions?: unknown[] }).conditions ?? [];
    const fieldErrors: Record<string, string> = {};
    for (const c of conditions) {
      if (typeof c === "string") fieldErrors[c] ??= error.message;
      else for (const p of (c as { paths: string[]; message: string }).paths) fieldErrors[p] ??= (c as { message: string }).message;
    }
    return { ok: false, error: error.message, fieldErrors };
  }
  return fromError(error);
}

/** The builder's live count and sample of what is typed now (nothing saved). */
export async function previewSegmentAction(definition: unknown): Promise<ActionResult<SegmentPreview>> {
  await requireUser("marketer");
  try {
    const parsed = segmentDefinitionSchema.parse(definition);
    const { count, sample } = (await getAppReads().run((db) => previewSegment(db, { definition: parsed, sample: 5 }, new Date()))).value;
    return { ok: true, message: "", data: { count, sample: sample.map((c) => ({ id: c.id, email: c.email, name: c.name, status: c.status })) } };
  } catch (error) {
    return conditionErrors(error);
  }
}

const saveSchema = z.object({ id: idField("Unknown segment").optional(), name: segmentNameSchema, definition: segmentDefinitionSchema });

/** Saves (creates or updates) and goes to the segment's page; a refusal comes back by condition. */
export async function saveSegmentAction(input: unknown): Promise<ActionResult> {
  const user = await requireUser("marketer");
  let id: string;
  try {
    const { id: existing, name, definition } = saveSchema.parse(input);
    const db = getAppDb();
    id = existing ? (await updateSegment(db, { id: existing, name, definition }, new Date())).id : (await createSegment(db, { name, definition, createdById: user.id }, new Date())).id;
  } catch (error) {
    return conditionErrors(error);
  }
  revalidatePath("/segments");
  redirect(`/segments/${id}`);
}

export async function deleteSegmentAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireUser("marketer");
  const id = idField().safeParse(form.get("segmentId"));
  if (!id.success) return { ok: false, error: "Unknown segment: reload the page" };
  try {
    await deleteSegment(getAppDb(), { id: id.data });
  } catch (error) {
    return fromError(error);
  }
  revalidatePath("/segments");
  redirect("/segments");
}

const targetsSchema = z.object(targetFieldsSchema);

/** The campaign form's recipient count for the audience chosen now. */
export async function countTargetsAction(targets: unknown): Promise<ActionResult<{ recipients: number; suppressed: number }>> {
  await requireUser("marketer");
  try {
    const counts = await countTargets(getAppDb(), targetsFromFields(targetsSchema.parse(targets)), new Date());
    return { ok: true, message: "", data: counts };
  } catch (error) {
    return error instanceof z.ZodError ? { ok: false, error: "Reload the page: the audience choices are out of date" } : fromError(error);
  }
}
