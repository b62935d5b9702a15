import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import { Badge, EmptyState, PageHeader } from "@/components/ui/card";
import { Table, Td, Th, formatDateTime } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { listMessages } from "@/lib/messages/queries";
import { getAppDb } from "@/lib/server";

export const metadata = { title: "Messages" };

export default async function MessagesPage() {
  await requireUser("marketer");
  const messages = await listMessages(getAppDb());
  return (
    <>
      <PageHeader title="Messages" description="Every email Postline sent, single or from a campaign, with its latest status." actions={<Link href="/messages/new" className={buttonClass()}>Send an email</Link>} />
      {messages.length === 0 ? (
        <EmptyState title="No messages yet">Messages appear here as soon as a campaign or a single email is sent.</EmptyState>
      ) : (
        <Table label="Messages">
          <thead className="bg-slate-50">
            <tr>
              <Th>To</Th>
              <Th>Subject</Th>
              <Th>Status</Th>
              <Th>Postmark MessageID</Th>
              <Th>Created</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {messages.map((m) => (
              <tr key={m.id}>
                <Td className="font-medium text-slate-900">{m.toEmail}</Td>
                <Td>{m.subject}</Td>
                <Td>
                  <Badge>{m.status}</Badge>
                </Td>
                <Td className="font-mono text-xs">{m.postmarkMessageId ?? "—"}</Td>
                <Td>{formatDateTime(m.createdAt)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
