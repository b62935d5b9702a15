import { CampaignForm } from "@/components/campaigns/campaign-form";
import { PageHeader } from "@/components/ui/card";
import { requireUser } from "@/lib/app/session";
import { countContacts, listLists } from "@/lib/contacts/contacts";
import { getEnv } from "@/lib/env";
import { getAppDb } from "@/lib/app/deps";

export const metadata = { title: "New campaign" };

export default async function NewCampaignPage() {
  await requireUser("marketer");
  const db = getAppDb();
  const [lists, counts] = await Promise.all([listLists(db), countContacts(db)]);
  return (
    <>
      <PageHeader title="New campaign" description="Write it, check the preview, save it as a draft; you send it from the next page." />
      <CampaignForm lists={lists} totalSubscribed={counts.subscribed} defaultFrom={getEnv().POSTMARK_FROM_EMAIL} />
    </>
  );
}
