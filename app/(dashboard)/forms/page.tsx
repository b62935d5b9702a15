import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import { Badge, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { formatNumber } from "@/components/ui/format";
import { Time } from "@/components/ui/time";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { listForms } from "@/lib/forms/forms";

export const metadata = { title: "Forms" };
export const dynamic = "force-dynamic";

const columns: DataTableColumn[] = [
  { id: "name", header: "Form", sortable: true },
  { id: "optIn", header: "Opt-in" },
  { id: "submissions", header: "Submissions", align: "right", sortable: true, className: "tabular-nums" },
  { id: "confirmed", header: "Confirmed", align: "right", sortable: true, className: "tabular-nums" },
  { id: "bots", header: "Refused as bots", align: "right", sortable: true, className: "tabular-nums" },
  { id: "created", header: "Created", sortable: true, className: "whitespace-nowrap" },
];

export default async function FormsPage({ searchParams }: { searchParams: Promise<{ show?: string }> }) {
  await requireUser();
  const archived = (await searchParams).show === "archived";
  const [forms, viewer] = await Promise.all([listForms(getAppDb(), { archived }), getViewerTimeZone()]);
  const rows: DataTableRow[] = forms.map((f) => ({
    id: f.id,
    muted: Boolean(f.archivedAt),
    cells: {
      name: (
        <Link href={`/forms/${f.id}`} className="font-medium text-brand-700 wrap-anywhere hover:underline">
          {f.name}
        </Link>
      ),
      optIn: f.doubleOptIn ? <Badge tone="green">double</Badge> : <Badge>single</Badge>,
      submissions: formatNumber(f.submissions),
      confirmed: formatNumber(f.confirmed),
      bots: formatNumber(f.refusedAsBot),
      created: <Time value={f.createdAt} zone={viewer.zone} />,
    },
    sort: { name: f.name, submissions: f.submissions, confirmed: f.confirmed, bots: f.refusedAsBot, created: f.createdAt.toISOString() },
  }));
  return (
    <div className="space-y-6">
      <PageHeader
        title="Forms"
        description="Signup forms: a hosted page, an embeddable snippet and a JSON endpoint. New subscribers confirm by email (double opt-in) and their consent is kept."
        actions={
          <Link href="/forms/new" className={buttonClass()}>
            New form
          </Link>
        }
      />
      <p className="text-sm">
        {archived ? (
          <Link href="/forms" className="text-brand-700 hover:underline">
            Show open forms
          </Link>
        ) : (
          <Link href="/forms?show=archived" className="text-brand-700 hover:underline">
            Show archived forms
          </Link>
        )}
      </p>
      <DataTable
        label="Signup forms"
        columns={columns}
        rows={rows}
        sort={{ kind: "client" }}
        empty={
          archived
            ? { title: "No archived forms" }
            : {
                title: "No forms yet",
                description: "Create a form, share its hosted page or paste its snippet into your site, and subscribers add themselves.",
                action: (
                  <Link href="/forms/new" className={buttonClass()}>
                    Create a form
                  </Link>
                ),
              }
        }
      />
    </div>
  );
}
