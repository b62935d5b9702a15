import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import { Badge, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { formatNumber } from "@/components/ui/format";
import { Time } from "@/components/ui/time";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { listSequences } from "@/lib/sequences/sequences";

export const metadata = { title: "Sequences" };
export const dynamic = "force-dynamic";

const columns: DataTableColumn[] = [
  { id: "name", header: "Sequence", sortable: true },
  { id: "status", header: "Status", sortable: true },
  { id: "emails", header: "Emails", align: "right", sortable: true, className: "tabular-nums" },
  { id: "active", header: "Active", align: "right", sortable: true, className: "tabular-nums" },
  { id: "completed", header: "Completed", align: "right", sortable: true, className: "tabular-nums" },
  { id: "exited", header: "Exited", align: "right", sortable: true, className: "tabular-nums" },
  { id: "created", header: "Created", sortable: true, className: "whitespace-nowrap" },
];

const STATUS_TONE = { draft: "slate", active: "green", paused: "amber" } as const;

export default async function SequencesPage() {
  await requireUser();
  const [sequences, viewer] = await Promise.all([listSequences(getAppDb()), getViewerTimeZone()]);
  const rows: DataTableRow[] = sequences.map((s) => ({
    id: s.id,
    cells: {
      name: (
        <Link href={`/sequences/${s.id}`} className="font-medium text-brand-700 wrap-anywhere hover:underline">
          {s.name}
        </Link>
      ),
      status: <Badge tone={STATUS_TONE[s.status]}>{s.status}</Badge>,
      emails: formatNumber(s.emailCount),
      active: formatNumber(s.active),
      completed: formatNumber(s.completed),
      exited: formatNumber(s.exited),
      created: <Time value={s.createdAt} zone={viewer.zone} />,
    },
    sort: { name: s.name, status: s.status, emails: s.emailCount, active: s.active, completed: s.completed, exited: s.exited, created: s.createdAt.toISOString() },
  }));
  return (
    <div className="space-y-6">
      <PageHeader
        title="Sequences"
        description="Emails that go out by themselves, on a schedule per subscriber: a welcome series, an onboarding course."
        actions={
          <Link href="/sequences/new" className={buttonClass()}>
            New sequence
          </Link>
        }
      />
      <DataTable
        label="Sequences"
        columns={columns}
        rows={rows}
        sort={{ kind: "client" }}
        empty={{
          title: "No sequences yet",
          description: "A sequence sends its emails to each contact it enrols, in order, with the delays you choose.",
          action: (
            <Link href="/sequences/new" className={buttonClass()}>
              Create a sequence
            </Link>
          ),
        }}
      />
    </div>
  );
}
