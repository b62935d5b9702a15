import { Badge, EmptyState, PageHeader } from "@/components/ui/card";
import { Table, Td, Th, formatDateTime } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { listContacts } from "@/lib/contacts/queries";
import { getAppDb } from "@/lib/server";

export const metadata = { title: "Contacts" };

export default async function ContactsPage() {
  await requireUser("marketer");
  const contacts = await listContacts(getAppDb());
  return (
    <>
      <PageHeader title="Contacts" description="Everyone you can send to, with their subscription status." />
      {contacts.length === 0 ? (
        <EmptyState title="No contacts yet">Contacts arrive through a CSV import or the API (POST /api/v1/contacts).</EmptyState>
      ) : (
        <Table label="Contacts">
          <thead className="bg-slate-50">
            <tr>
              <Th>Email</Th>
              <Th>Name</Th>
              <Th>Status</Th>
              <Th>Added</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {contacts.map((c) => (
              <tr key={c.id}>
                <Td className="font-medium text-slate-900">{c.email}</Td>
                <Td>{c.name || "—"}</Td>
                <Td>
                  <Badge tone={c.status === "subscribed" ? "green" : "amber"}>{c.status}</Badge>
                </Td>
                <Td>{formatDateTime(c.createdAt)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
