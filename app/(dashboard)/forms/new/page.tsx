import { PageHeader } from "@/components/ui/card";
import { newFormValues } from "@/components/forms/editor-values";
import { FormEditor } from "@/components/forms/form-editor";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { listLists } from "@/lib/contacts/contacts";

export const metadata = { title: "New form" };
export const dynamic = "force-dynamic";

export default async function NewFormPage() {
  await requireUser();
  const lists = await listLists(getAppDb());
  return (
    <div className="max-w-3xl">
      <PageHeader title="New form" description="Everything but the name has a sensible default; you can change it all later." />
      <FormEditor initial={newFormValues()} lists={lists.map((l) => ({ id: l.id, name: l.name }))} />
    </div>
  );
}
