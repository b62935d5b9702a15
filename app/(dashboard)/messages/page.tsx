import Link from "next/link";
import { z } from "zod";
import { HumanStatusBadge } from "@/components/messages/engagement-status";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { inputClass } from "@/components/ui/field";
import { Time } from "@/components/ui/time";
import { keysetPaging, parseCursor, parseTrail } from "@/components/ui/keyset-paging";
import { messageStatusEnum } from "@/db/schema";
import { requireUser } from "@/lib/app/session";
import { searchMessages } from "@/lib/messages/queries";
import { listShownSubjects } from "@/lib/messages/subjects";
import { SubjectText } from "@/components/messages/subject-text";
import { getAppDb } from "@/lib/app/deps";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";

export const metadata = { title: "Messages" };

const querySchema = z.object({
  q: z.string().max(320).optional().catch(undefined),
  status: z.enum(messageStatusEnum.enumValues).optional().catch(undefined),
  kind: z.enum(["single", "campaign", "sequence"]).optional().catch(undefined),
});

// Newest first, keyset-paged: no column sorts, because only the query's order covers every message.
const columns: DataTableColumn[] = [
  { id: "to", header: "To", className: "font-medium" },
  { id: "subject", header: "Subject", className: "max-w-xs truncate" },
  { id: "kind", header: "Kind" },
  { id: "status", header: "Status" },
  { id: "messageId", header: "Postmark MessageID", className: "font-mono text-xs" },
  { id: "created", header: "Created", className: "whitespace-nowrap" },
];

export default async function MessagesPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await requireUser("marketer");
  const { zone } = await getViewerTimeZone();
  const search = await searchParams;
  const q = querySchema.parse(search);
  const cursor = parseCursor(search.after);
  const trail = parseTrail(search.trail);
  const db = getAppDb();
  // The status shown and filtered is the human one: "opened" means a person opened (issue 15).
  const { rows, next } = await searchMessages(db, { search: q.q, humanStatus: q.status, kind: q.kind, after: cursor });
  const subjects = await listShownSubjects(db, rows);
  const filtered = Boolean(q.q || q.status || q.kind);
  const tableRows: DataTableRow[] = rows.map((m) => ({
    id: m.id,
    cells: {
      to: (
        <Link href={`/messages/${m.id}`} className="text-brand-700 hover:underline">
          {m.toEmail}
        </Link>
      ),
      subject: <SubjectText subject={subjects.get(m.id)!} />,
      kind: m.kind,
      status: <HumanStatusBadge message={m} />,
      messageId: m.postmarkMessageId ?? "—",
      created: <Time value={m.createdAt} zone={zone} />,
    },
  }));
  return (
    <>
      <PageHeader title="Messages" description="Every email Postline sent, single, from a campaign or from a sequence, with its latest status." actions={<Link href="/messages/new" className={buttonClass()}>Send an email</Link>} />
      <form className="mb-4 flex flex-wrap items-end gap-3" aria-label="Search messages">
        <label className="text-sm">
          <span className="mb-1 block font-medium text-slate-700">Address or MessageID</span>
          <input name="q" defaultValue={q.q} className={`${inputClass} w-72 max-w-full`} placeholder="name@example.com or a MessageID" />
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
            <option value="sequence">Sequence mail</option>
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
      <DataTable
        label="Messages"
        columns={columns}
        rows={tableRows}
        empty={
          filtered
            ? { title: "No messages match", description: "Try another address, status or MessageID." }
            : {
                title: "No messages yet",
                description: "Messages appear here as soon as a campaign or a single email is sent.",
                action: (
                  <Link href="/messages/new" className={buttonClass()}>
                    Send an email
                  </Link>
                ),
              }
        }
        paging={{ ...keysetPaging({ path: "/messages", params: { q: q.q, status: q.status, kind: q.kind }, cursorParam: "after", cursor, trail, next }), labels: { first: "« Newest", previous: "← Newer", next: "Older →" } }}
      />
    </>
  );
}
