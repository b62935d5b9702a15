import { notFound, redirect } from "next/navigation";
import { CampaignForm } from "@/components/campaigns/campaign-form";
import { PageHeader } from "@/components/ui/card";
import { requireUser } from "@/lib/app/session";
import { listAudienceOptions } from "@/app/(dashboard)/campaigns/audience-options";
import { getCampaignTargets } from "@/lib/campaigns/audience";
import { getCampaign } from "@/lib/campaigns/campaigns";
import { listKnownFieldKeys } from "@/lib/campaigns/preview";
import { getEnv } from "@/lib/env";
import { getAppDb } from "@/lib/app/deps";
import { parseId } from "@/lib/http/id";

export const metadata = { title: "Edit campaign" };

export default async function EditCampaignPage({ params }: { params: Promise<{ campaignId: string }> }) {
  await requireUser("marketer");
  const campaignId = parseId((await params).campaignId) ?? notFound();
  const db = getAppDb();
  const campaign = await getCampaign(db, campaignId);
  if (!campaign) notFound();
  if (campaign.status !== "draft" && campaign.status !== "scheduled") redirect(`/campaigns/${campaignId}`);
  const [audienceOptions, targets, knownFields] = await Promise.all([listAudienceOptions(db), getCampaignTargets(db, campaignId), listKnownFieldKeys(db)]);
  return (
    <>
      <PageHeader title={`Edit ${campaign.name}`} description={campaign.status === "scheduled" ? "Saving returns a scheduled campaign to draft; schedule it again afterwards." : undefined} />
      <CampaignForm audienceOptions={audienceOptions} defaultFrom={getEnv().POSTMARK_FROM_EMAIL} knownFields={knownFields} campaignId={campaign.id} initial={{ ...campaign, targets }} />
    </>
  );
}
