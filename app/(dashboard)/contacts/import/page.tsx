import { ImportForm } from "@/components/contacts/import-form";
import { Card, PageHeader } from "@/components/ui/card";
import { requireUser } from "@/lib/app/session";
import { listLists } from "@/lib/contacts/contacts";
import { getAppDb } from "@/lib/app/deps";

export const metadata = { title: "Import contacts" };

export default async function ImportContactsPage() {
  await requireUser("marketer");
  const lists = await listLists(getAppDb());
  return (
    <>
      <PageHeader
        title="Import contacts"
        description="Bring contacts in from a spreadsheet saved as CSV. Check how each column is read before importing; rows that cannot be imported are skipped and listed."
        actions={
          <a href="/contacts" className="text-sm font-medium text-brand-700 hover:underline">
            Back to contacts
          </a>
        }
      />
      <Card title="File and columns">
        <ImportForm lists={lists} />
      </Card>
    </>
  );
}
