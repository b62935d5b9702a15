import { notFound } from "next/navigation";
import { PageHeader } from "@/components/ui/card";
import { editorValues } from "@/components/forms/editor-values";
import { FormEditor } from "@/components/forms/form-editor";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { listLists } from "@/lib/contacts/contacts";
import { getForm } from "@/lib/forms/forms";
import { parseId } from "@/lib/http/id";

export const metadata = { title: "Edit form" };
export const dynamic = "force-dynamic";

export default async function EditFormPage({ params }: { params: Promise<{ formId: string }> }) {
  await requireUser();
  const formId = parseId((await params).formId) ?? notFound();
  const db = getAppDb();
  const [form, lists] = await Promise.all([getForm(db, formId), listLists(db)]);
  if (!form) notFound();
  return (
    <div className="max-w-3xl">
      <PageHeader title={`Edit ${form.name}`} description="Changes apply to the next signups; past signups keep the text they were shown." />
      <FormEditor initial={editorValues(form)} lists={lists.map((l) => ({ id: l.id, name: l.name }))} />
    </div>
  );
}
