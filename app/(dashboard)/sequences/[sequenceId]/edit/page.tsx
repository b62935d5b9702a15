import { notFound } from "next/navigation";
import { PageHeader } from "@/components/ui/card";
import { sequenceEditorValues } from "@/components/sequences/editor-values";
import { SequenceEditor } from "@/components/sequences/sequence-editor";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { listLists } from "@/lib/contacts/contacts";
import { listTags } from "@/lib/contacts/tags";
import { listForms } from "@/lib/forms/forms";
import { parseId } from "@/lib/http/id";
import { getSequence } from "@/lib/sequences/sequences";
import { getSequenceDetail } from "@/lib/sequences/detail";

export const metadata = { title: "Edit sequence" };
export const dynamic = "force-dynamic";

export default async function EditSequencePage({ params }: { params: Promise<{ sequenceId: string }> }) {
  await requireUser();
  const id = parseId((await params).sequenceId);
  const db = getAppDb();
  if (!id || !(await getSequence(db, id))) notFound();
  const [detail, forms, lists, tags] = await Promise.all([getSequenceDetail(db, id), listForms(db), listLists(db), listTags(db)]);
  const pick = (rows: { id: string; name: string }[]) => rows.map((r) => ({ id: r.id, name: r.name }));
  return (
    <div className="max-w-3xl">
      <PageHeader title={`Edit ${detail.sequence.name}`} description="A change to an email reaches every send not yet made. A deleted email is skipped by those not yet past it." />
      <SequenceEditor initial={sequenceEditorValues(detail)} forms={pick(forms)} lists={pick(lists)} tags={pick(tags)} />
    </div>
  );
}
