import { notFound } from "next/navigation";
import { builderChoices } from "@/app/(dashboard)/segments/choices";
import { SegmentBuilder } from "@/components/segments/segment-builder";
import { PageHeader } from "@/components/ui/card";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { getSegment } from "@/lib/segments/segments";

export const metadata = { title: "Edit segment" };

export default async function EditSegmentPage({ params }: { params: Promise<{ segmentId: string }> }) {
  await requireUser("marketer");
  const db = getAppDb();
  const segment = await getSegment(db, (await params).segmentId);
  if (!segment) notFound();
  const choices = await builderChoices(db);
  return (
    <>
      <PageHeader title={`Edit ${segment.name}`} description="Campaigns not sent yet that target this segment follow the change." />
      <SegmentBuilder {...choices} segment={{ id: segment.id, name: segment.name, definition: segment.definition }} />
    </>
  );
}
