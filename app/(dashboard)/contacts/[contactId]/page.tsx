import Link from "next/link";
import { notFound } from "next/navigation";
import { EditContactForm, SubscriptionControl } from "@/components/contacts/edit-contact-form";
import { MessageStatusBadge } from "@/components/messages/status-badge";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { Table, Td, Th, formatDateTime } from "@/components/ui/table";
import { requireUser } from "@/lib/app/session";
import { getContact } from "@/lib/contacts/contacts";
import { searchMessages } from "@/lib/messages/queries";
import { getAppDb } from "@/lib/app/deps";

export const metadata = { title: "Contact" };

export default async function ContactPage({ params }: { params: Promise<{ contactId: string }> }) {
  await requireUser("marketer");
  const { contactId } = await params;
  if (!/^[0-9a-f-]{36}$/.test(contactId)) notFound();
  const db = getAppDb();
  const contact = await getContact(db, contactId);
  if (!contact) notFound();
  const { rows } = await searchMessages(db, { contactId, limit: 200 });
  return (
    <>
      <PageHeader title={contact.email} description={contact.name || undefined} />
      <div className="space-y-6">
        <Card title="Subscription">
          <div className="space-y-3">
            <p className="text-sm">
              <Badge tone={contact.status === "subscribed" ? "green" : "amber"}>{contact.status}</Badge>
              {contact.statusReason ? <span className="ml-2 text-slate-600">{contact.statusReason}</span> : null}
              {contact.statusChangedAt ? <span className="ml-2 text-slate-400">since {formatDateTime(contact.statusChangedAt)}</span> : null}
            </p>
            <SubscriptionControl contactId={contact.id} status={contact.status} />
          </div>
        </Card>
        <Card title="Details">
          <EditContactForm contactId={contact.id} name={contact.name} fields={contact.fields} />
        </Card>
        <section aria-labelledby="history-heading" className="space-y-3">
          <h2 id="history-heading" className="text-lg font-semibold">History across campaigns</h2>
          {rows.length === 0 ? (
            <EmptyState title="Nothing sent yet">Campaigns and single emails to this contact will be listed here.</EmptyState>
          ) : (
            <Table label="Messages to this contact">
              <thead className="bg-slate-50">
                <tr>
                  <Th>Subject</Th>
                  <Th>Kind</Th>
                  <Th>Status</Th>
                  <Th>Sent</Th>
                  <Th>Opened</Th>
                  <Th>Clicked</Th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((m) => (
                  <tr key={m.id}>
                    <Td>
                      <Link href={`/messages/${m.id}`} className="text-brand-700 hover:underline">
                        {m.subject}
                      </Link>
                    </Td>
                    <Td>{m.kind}</Td>
                    <Td>
                      <MessageStatusBadge status={m.status} />
                    </Td>
                    <Td>{formatDateTime(m.sentAt)}</Td>
                    <Td>{m.openCount ? `${m.openCount}×` : "—"}</Td>
                    <Td>{m.clickCount ? `${m.clickCount}×` : "—"}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </section>
      </div>
    </>
  );
}
