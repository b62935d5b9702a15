import { PageHeader } from "@/components/ui/card";
import { newSequenceValues } from "@/components/sequences/editor-values";
import { SequenceEditor } from "@/components/sequences/sequence-editor";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { listLists } from "@/lib/contacts/contacts";
import { listTags } from "@/lib/contacts/tags";
import { listForms } from "@/lib/forms/forms";

export const metadata = { title: "New sequence" };
export const dynamic = "force-dynamic";

export default async function NewSequencePage() {
  await requireUser();
  const db = getAppDb();
  const [forms, lists, tags] = await Promise.all([listForms(db), listLists(db), listTags(db)]);
  const pick = (rows: { id: string; name: string }[]) => rows.map((r) => ({ id: r.id, name: r.name }));
  return (
    <div className="max-w-3xl">
      <PageHeader title="New sequence" description="It starts as a draft: activate it on its page when its emails are ready." />
      <SequenceEditor initial={newSequenceValues()} forms={pick(forms)} lists={pick(lists)} tags={pick(tags)} />
    </div>
  );
}
