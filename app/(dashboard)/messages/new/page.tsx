import { SingleEmailForm } from "@/components/messages/single-email-form";
import { PageHeader } from "@/components/ui/card";
import { requireUser } from "@/lib/app/session";
import { getEnv } from "@/lib/env";

export const metadata = { title: "Send an email" };

export default async function NewMessagePage() {
  await requireUser("marketer");
  return (
    <>
      <PageHeader title="Send one email" description="Goes out on the transactional stream, personalised from the recipient's contact, and tracked like campaign mail unless you untick tracking." />
      <SingleEmailForm defaultFrom={getEnv().POSTMARK_FROM_EMAIL} />
    </>
  );
}
