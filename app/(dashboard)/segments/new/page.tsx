import { SegmentBuilder } from "@/components/segments/segment-builder";
import { PageHeader } from "@/components/ui/card";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { listKnownFieldKeys } from "@/lib/campaigns/preview";
import { listLists } from "@/lib/contacts/contacts";
import { listTags } from "@/lib/contacts/tags";

export const metadata = { title: "New segment" };

export default async function NewSegmentPage() {
  await requireUser("marketer");
  const db = getAppDb();
  const [lists, tags, fieldKeys] = await Promise.all([listLists(db), listTags(db), listKnownFieldKeys(db)]);
  return (
    <>
      <PageHeader title="New segment" description="Add conditions; the count on the side follows as you type." />
      <SegmentBuilder lists={lists.map((l) => ({ id: l.id, name: l.name }))} tags={tags.map((t) => ({ id: t.id, name: t.name }))} fieldKeys={fieldKeys} />
    </>
  );
}
