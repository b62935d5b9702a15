import Link from "next/link";
import { notFound } from "next/navigation";
import { ContactListsForm, DeleteContactForm } from "@/components/contacts/contact-lists-form";
import { ContactTagsForm } from "@/components/contacts/tags";
import { EditContactForm, SubscriptionControl } from "@/components/contacts/edit-contact-form";
import { HumanStatusBadge } from "@/components/messages/engagement-status";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { Time } from "@/components/ui/time";
import { requireUser } from "@/lib/app/session";
import { getContact, listLists } from "@/lib/contacts/contacts";
import { listContactLists } from "@/lib/contacts/lists";
import { listContactTags } from "@/lib/contacts/tags";
import { searchMessages } from "@/lib/messages/queries";
import { listShownSubjects } from "@/lib/messages/subjects";
import { SubjectText } from "@/components/messages/subject-text";
import { getAppDb } from "@/lib/app/deps";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { parseId } from "@/lib/http/id";
import { ConsentCard } from "@/components/forms/consent-card";
import { listContactSignups } from "@/lib/forms/signups";
import { listContactEnrollments } from "@/lib/sequences/enrollments";

export const metadata = { title: "Contact" };

const HISTORY = 200;

const columns: DataTableColumn[] = [
  { id: "subject", header: "Subject" },
  { id: "kind", header: "Kind" },
  { id: "status", header: "Status" },
  { id: "sent", header: "Sent", className: "whitespace-nowrap" },
  { id: "opened", header: "Opened" },
  { id: "clicked", header: "Clicked" },
];

export default async function ContactPage({ params }: { params: Promise<{ contactId: string }> }) {
  await requireUser("marketer");
  const { zone } = await getViewerTimeZone();
  const contactId = parseId((await params).contactId) ?? notFound();
  const db = getAppDb();
  const contact = await getContact(db, contactId);
  if (!contact) notFound();
  const [{ rows }, lists, memberOf, tags, consent, enrollments] = await Promise.all([
    searchMessages(db, { contactId, limit: HISTORY }),
    listLists(db),
    listContactLists(db, contactId),
    listContactTags(db, contactId),
    listContactSignups(db, contactId),
    listContactEnrollments(db, contactId),
  ]);
  const subjects = await listShownSubjects(db, rows);
  const tableRows: DataTableRow[] = rows.map((m) => ({
    id: m.id,
    cells: {
      subject: (
        <Link href={`/messages/${m.id}`} className="text-brand-700 hover:underline">
          <SubjectText subject={subjects.get(m.id)!} />
        </Link>
      ),
      kind: m.kind,
      status: <HumanStatusBadge message={m} />,
      sent: <Time value={m.sentAt} zone={zone} />,
      opened: m.openCount ? `${m.openCount}×` : "—",
      clicked: m.clickCount ? `${m.clickCount}×` : "—",
    },
  }));
  return (
    <>
      <PageHeader title={contact.email} description={contact.name || undefined} />
      <div className="space-y-6">
        <Card title="Subscription">
          <div className="space-y-3">
            <p className="text-sm">
              <Badge tone={contact.status === "subscribed" ? "green" : "amber"}>{contact.status}</Badge>
              {contact.statusReason ? <span className="ml-2 text-slate-600">{contact.statusReason}</span> : null}
              {contact.statusChangedAt ? <span className="ml-2 text-slate-500">since <Time value={contact.statusChangedAt} zone={zone} /></span> : null}
            </p>
            <SubscriptionControl contactId={contact.id} status={contact.status} />
          </div>
        </Card>
        <ConsentCard records={consent} zone={zone} now={new Date()} />
        <Card title="Details">
          <EditContactForm contactId={contact.id} name={contact.name} fields={contact.fields} />
        </Card>
        <Card title="Tags">
          <ContactTagsForm contactId={contact.id} tags={tags} />
        </Card>
        <Card title="Lists" description={memberOf.length ? `In ${memberOf.map((l) => l.name).join(", ")}.` : "In no list."}>
          <ContactListsForm contactId={contact.id} lists={lists.map((l) => ({ id: l.id, name: l.name }))} memberOf={memberOf.map((l) => l.id)} />
        </Card>
        <Card title="Sequences">
          {enrollments.length ? (
            <ul className="space-y-2 text-sm">
              {enrollments.map(({ e, sequenceName, nextSubject, emailCount }) => (
                <li key={e.id} className="flex flex-wrap items-center gap-2">
                  <Link href={`/sequences/${e.sequenceId}`} className="font-medium text-brand-700 wrap-anywhere hover:underline">
                    {sequenceName}
                  </Link>
                  <Badge tone={e.status === "active" ? "blue" : e.status === "completed" ? "green" : "slate"}>{e.status}</Badge>
                  <span className="text-slate-600">
                    {e.emailsSent} of {emailCount} sent
                    {e.status === "active" && nextSubject ? <>; next “{nextSubject}” <Time value={e.nextDueAt} zone={zone} /></> : null}
                    {e.status === "exited" ? `; ${e.exitReason ?? "exited"}` : null}
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-slate-500">In no sequence.</p>
          )}
        </Card>
        <section aria-labelledby="history-heading" className="space-y-3">
          <h2 id="history-heading" className="text-lg font-semibold">History across campaigns</h2>
          <DataTable
            label="Messages to this contact"
            columns={columns}
            rows={tableRows}
            empty={{ title: "Nothing sent yet", description: "Campaigns and single emails to this contact will be listed here." }}
          />
          {rows.length === HISTORY ? <p className="text-sm text-slate-500">The newest {HISTORY} messages are shown; the Messages page searches them all.</p> : null}
        </section>
        <Card
          title="Delete this contact"
          description="Erases the address, name and fields here and in every message and event; campaign totals keep counting it. An unsubscribed, bounced or complained address is kept only as a one-way hash, so it is never mailed again if it is added back."
        >
          <DeleteContactForm contactId={contact.id} email={contact.email} />
        </Card>
      </div>
    </>
  );
}
