import Link from "next/link";
import { z } from "zod";
import { MessageStatusBadge } from "@/components/messages/status-badge";
import { buttonClass } from "@/components/ui/button";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { Table, Td, Th, formatDateTime } from "@/components/ui/table";
import { messageStatusEnum } from "@/db/schema";
import { requireUser } from "@/lib/app/session";
import { searchMessages } from "@/lib/messages/queries";
import { getAppDb } from "@/lib/app/deps";

export const metadata = { title: "Messages" };

const querySchema = z.object({
  q: z.string().max(320).optional().catch(undefined),
  status: z.enum(messageStatusEnum.enumValues).optional().catch(undefined),
  kind: z.enum(["single", "campaign"]).optional().catch(undefined),
  after: z.string().max(500).optional().catch(undefined),
});

export default async function MessagesPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await requireUser("marketer");
  const q = querySchema.parse(await searchParams);
  const { rows, next } = await searchMessages(getAppDb(), { search: q.q, status: q.status, kind: q.kind, after: q.after });
  const filtered = Boolean(q.q || q.status || q.kind);
  const params = new URLSearchParams(Object.entries({ q: q.q, status: q.status, kind: q.kind }).filter((e): e is [string, string] => Boolean(e[1])));
  return (
    <>
      <PageHeader title="Messages" description="Every email Postline sent, single or from a campaign, with its latest status." actions={<Link href="/messages/new" className={buttonClass()}>Send an email</Link>} />
      <form className="mb-4 flex flex-wrap items-end gap-3" aria-label="Search messages">
        <label className="text-sm">
          <span className="mb-1 block font-medium text-slate-700">Address or MessageID</span>
          <input name="q" defaultValue={q.q} className={`${inputClass} w-72`} placeholder="name@example.com or a MessageID" />
        </label>
        <label className="text-sm">
          <span className="mb-1 block font-medium text-slate-700">Status</span>
          <select name="status" defaultValue={q.status ?? ""} className={inputClass}>
            <option value="">Any</option>
            {messageStatusEnum.enumValues.map((s) => (
              <option key={s} value={s}>
                {s.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="mb-1 block font-medium text-slate-700">Kind</span>
          <select name="kind" defaultValue={q.kind ?? ""} className={inputClass}>
            <option value="">Any</option>
            <option value="single">Single emails</option>
            <option value="campaign">Campaign mail</option>
          </select>
        </label>
        <button type="submit" className={buttonClass("secondary")}>
          Search
        </button>
        {filtered ? (
          <Link href="/messages" className={buttonClass("ghost")}>
            Clear
          </Link>
        ) : null}
      </form>
      {rows.length === 0 ? (
        <EmptyState title={filtered ? "No messages match" : "No messages yet"}>{filtered ? "Try another address, status or MessageID." : "Messages appear here as soon as a campaign or a single email is sent."}</EmptyState>
      ) : (
        <>
          <Table label="Messages">
            <thead className="bg-slate-50">
              <tr>
                <Th>To</Th>
                <Th>Subject</Th>
                <Th>Kind</Th>
                <Th>Status</Th>
                <Th>Postmark MessageID</Th>
                <Th>Created</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((m) => (
                <tr key={m.id}>
                  <Td className="font-medium">
                    <Link href={`/messages/${m.id}`} className="text-brand-700 hover:underline">
                      {m.toEmail}
                    </Link>
                  </Td>
                  <Td className="max-w-xs truncate">{m.subject}</Td>
                  <Td>{m.kind}</Td>
                  <Td>
                    <MessageStatusBadge status={m.status} />
                  </Td>
                  <Td className="font-mono text-xs">{m.postmarkMessageId ?? "—"}</Td>
                  <Td>{formatDateTime(m.createdAt)}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <div className="mt-3 flex justify-between text-sm">
            {q.after ? (
              <Link href={`/messages?${params}`} className="text-brand-700 hover:underline">
                ← Newest
              </Link>
            ) : (
              <span />
            )}
            {next ? (
              <Link href={`/messages?${new URLSearchParams([...params, ["after", next]])}`} className="text-brand-700 hover:underline" rel="next">
                Older →
              </Link>
            ) : null}
          </div>
        </>
      )}
    </>
  );
}
