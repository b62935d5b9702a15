import Link from "next/link";
import { notFound } from "next/navigation";
import { deleteSegmentAction } from "@/app/(dashboard)/segments/actions";
import { definitionNames } from "@/app/(dashboard)/segments/choices";
import { buttonClass } from "@/components/ui/button";
import { Badge, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableRow } from "@/components/ui/data-table";
import { formatNumber } from "@/components/ui/format";
import { InlineAction } from "@/components/ui/inline-action";
import { keysetPaging, parseCursor, parseTrail } from "@/components/ui/keyset-paging";
import { Time } from "@/components/ui/time";
import { getAppDb, getAppReads } from "@/lib/app/deps";
import { AsOfNotice } from "@/components/ui/as-of-notice";
import { requireUser } from "@/lib/app/session";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { describeDefinition } from "@/lib/segments/describe";
import { getSegment, pageSegmentContacts } from "@/lib/segments/segments";

export const metadata = { title: "Segment" };

const STATUS_TONE = { subscribed: "green", unsubscribed: "slate", bounced: "amber", complained: "red" } as const;

/** A segment: what it selects, in words, and its contacts now, newest first, keyset paged. */
export default async function SegmentPage({ params, searchParams }: { params: Promise<{ segmentId: string }>; searchParams: Promise<Record<string, string>> }) {
  await requireUser("marketer");
  const { zone } = await getViewerTimeZone();
  const db = getAppDb();
  const { segmentId } = await params;
  const segment = await getSegment(db, segmentId);
  if (!segment) notFound();
  const search = await searchParams;
  const cursor = parseCursor(search.after);
  const trail = parseTrail(search.trail);
  const [{ value: page, asOf }, names] = await Promise.all([
    getAppReads().run((r) => pageSegmentContacts(r, { definition: segment.definition, after: cursor, limit: 50 }, new Date())),
    definitionNames(db),
  ]);
  const rows: DataTableRow[] = page.rows.map((c) => ({
    id: c.id,
    cells: {
      email: (
        <Link href={`/contacts/${c.id}`} className="text-brand-700 hover:underline">
          {c.email}
        </Link>
      ),
      name: c.name || "—",
      status: <Badge tone={STATUS_TONE[c.status as keyof typeof STATUS_TONE] ?? "slate"}>{c.status}</Badge>,
      added: <Time value={c.createdAt} zone={zone} />,
    },
  }));
  return (
    <>
      <PageHeader
        title={segment.name}
        description={describeDefinition(segment.definition, names)}
        actions={
          <>
            <Link href={`/segments/${segment.id}/edit`} className={buttonClass("secondary")}>
              Edit
            </Link>
            <InlineAction action={deleteSegmentAction} fields={{ segmentId: segment.id }} label="Delete" variant="danger" confirm={`Delete the segment "${segment.name}"? Its contacts stay.`} />
          </>
        }
      />
      <p className="mb-4 text-sm text-slate-700" data-testid="segment-count">
        <strong className="text-lg tabular-nums">{formatNumber(page.total)}</strong> {page.total === 1 ? "contact matches" : "contacts match"} now <AsOfNotice asOf={asOf} zone={zone} />
      </p>
      <DataTable
        label={`Contacts in ${segment.name}`}
        columns={[
          { id: "email", header: "Email", className: "font-medium whitespace-nowrap" },
          { id: "name", header: "Name" },
          { id: "status", header: "Status" },
          { id: "added", header: "Added", className: "whitespace-nowrap" },
        ]}
        rows={rows}
        rowTestId="segment-contact"
        paging={keysetPaging({ path: `/segments/${segment.id}`, params: {}, cursorParam: "after", cursor, trail, next: page.next })}
        empty={{ title: "No contact matches this segment now", description: "It fills as contacts come to match its conditions." }}
      />
    </>
  );
}
