import { EmptyState, PageHeader } from "@/components/ui/card";
import { requireAdmin } from "@/lib/auth/session";

export const metadata = { title: "Webhooks" };

export default async function WebhooksPage() {
  await requireAdmin();
  return (
    <>
      <PageHeader title="Webhooks" description="Signed HTTP callbacks that tell your systems what happens in Postline." />
      <EmptyState title="No webhook endpoints yet">
        Endpoints subscribe to events such as Email.Delivered or Contact.Unsubscribed and receive signed JSON posts.
      </EmptyState>
    </>
  );
}
