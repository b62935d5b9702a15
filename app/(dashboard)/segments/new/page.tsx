import { builderChoices } from "@/app/(dashboard)/segments/choices";
import { SegmentBuilder } from "@/components/segments/segment-builder";
import { PageHeader } from "@/components/ui/card";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";

export const metadata = { title: "New segment" };

export default async function NewSegmentPage() {
  await requireUser("marketer");
  const choices = await builderChoices(getAppDb());
  return (
    <>
      <PageHeader title="New segment" description="Add conditions; the count on the side follows as you type." />
      <SegmentBuilder {...choices} />
    </>
  );
}
