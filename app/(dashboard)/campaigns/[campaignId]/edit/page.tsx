import { notFound, redirect } from "next/navigation";
import { CampaignForm } from "@/components/campaigns/campaign-form";
import { PageHeader } from "@/components/ui/card";
import { requireUser } from "@/lib/app/session";
import { getCampaign, getCampaignListIds } from "@/lib/campaigns/campaigns";
import { listKnownFieldKeys } from "@/lib/campaigns/preview";
import { countContacts, listLists } from "@/lib/contacts/contacts";
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
  const [lists, counts, listIds, knownFields] = await Promise.all([listLists(db), countContacts(db), getCampaignListIds(db, campaignId), listKnownFieldKeys(db)]);
  return (
    <>
      <PageHeader title={`Edit ${campaign.name}`} description={campaign.status === "scheduled" ? "Saving returns a scheduled campaign to draft; schedule it again afterwards." : undefined} />
      <CampaignForm lists={lists} totalSubscribed={counts.subscribed} defaultFrom={getEnv().POSTMARK_FROM_EMAIL} knownFields={knownFields} campaignId={campaign.id} initial={{ ...campaign, listIds }} />
    </>
  );
}
