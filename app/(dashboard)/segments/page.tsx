import Link from "next/link";
import { definitionNames } from "@/app/(dashboard)/segments/choices";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableRow } from "@/components/ui/data-table";
import { formatNumber } from "@/components/ui/format";
import { Time } from "@/components/ui/time";
import { getAppDb, getAppReads } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { describeDefinition } from "@/lib/segments/describe";
import { countSegments, listSegments } from "@/lib/segments/segments";

export const metadata = { title: "Segments" };

export default async function SegmentsPage() {
  await requireUser("marketer");
  const { zone } = await getViewerTimeZone();
  const db = getAppDb();
  const now = new Date();
  const segments = await listSegments(db);
  const [{ value: counts }, names] = await Promise.all([getAppReads().run((r) => countSegments(r, segments, now)), definitionNames(db)]);
  const rows: DataTableRow[] = segments.map((s) => ({
    id: s.id,
    cells: {
      name: (
        <Link href={`/segments/${s.id}`} className="font-medium text-brand-700 hover:underline">
          {s.name}
        </Link>
      ),
      definition: <span className="block max-w-md text-sm text-slate-600">{describeDefinition(s.definition, names)}</span>,
      count: <span className="tabular-nums">{formatNumber(counts.get(s.id) ?? 0)}</span>,
      updated: <Time value={s.updatedAt} zone={zone} />,
    },
    sort: { name: s.name, count: counts.get(s.id) ?? 0, updated: s.updatedAt.getTime() },
  }));
  return (
    <>
      <PageHeader
        title="Segments"
        description="Saved filters over your contacts, counted as they are now. Campaigns can target or leave out a segment."
        actions={
          <Link href="/segments/new" className={buttonClass()}>
            New segment
          </Link>
        }
      />
      <DataTable
        label="Segments"
        columns={[
          { id: "name", header: "Name", sortable: true },
          { id: "definition", header: "Conditions", className: "min-w-48" },
          { id: "count", header: "Contacts", align: "right", sortable: true },
          { id: "updated", header: "Updated", className: "whitespace-nowrap", sortable: true },
        ]}
        rows={rows}
        sort={{ kind: "client" }}
        rowTestId="segment-row"
        empty={{
          title: "No segments yet",
          description: "A segment picks contacts by tags, lists, custom fields, status, sign-up date or engagement, and stays up to date by itself.",
          action: (
            <Link href="/segments/new" className={buttonClass()}>
              Build a segment
            </Link>
          ),
        }}
      />
    </>
  );
}
