import { notFound } from "next/navigation";
import { SegmentBuilder } from "@/components/segments/segment-builder";
import { PageHeader } from "@/components/ui/card";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { listKnownFieldKeys } from "@/lib/campaigns/preview";
import { listLists } from "@/lib/contacts/contacts";
import { listTags } from "@/lib/contacts/tags";
import { getSegment } from "@/lib/segments/segments";

export const metadata = { title: "Edit segment" };

export default async function EditSegmentPage({ params }: { params: Promise<{ segmentId: string }> }) {
  await requireUser("marketer");
  const db = getAppDb();
  const segment = await getSegment(db, (await params).segmentId);
  if (!segment) notFound();
  const [lists, tags, fieldKeys] = await Promise.all([listLists(db), listTags(db), listKnownFieldKeys(db)]);
  return (
    <>
      <PageHeader title={`Edit ${segment.name}`} description="Campaigns not sent yet that target this segment follow the change." />
      <SegmentBuilder
        lists={lists.map((l) => ({ id: l.id, name: l.name }))}
        tags={tags.map((t) => ({ id: t.id, name: t.name }))}
        fieldKeys={fieldKeys}
        segment={{ id: segment.id, name: segment.name, definition: segment.definition }}
      />
    </>
  );
}
