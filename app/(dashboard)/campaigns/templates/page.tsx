import Link from "next/link";
import { deleteTemplateAction } from "@/app/(dashboard)/campaigns/actions";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { Time } from "@/components/ui/time";
import { InlineAction } from "@/components/ui/inline-action";
import { requireUser } from "@/lib/app/session";
import { getAppDb } from "@/lib/app/deps";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { listTemplateSummaries } from "@/lib/campaigns/templates";

export const metadata = { title: "Templates" };

const columns: DataTableColumn[] = [
  { id: "name", header: "Name", className: "font-medium text-slate-900 wrap-anywhere" },
  { id: "subject", header: "Subject", className: "max-w-64 truncate" },
  { id: "created", header: "Saved", className: "whitespace-nowrap" },
  { id: "actions", header: "Actions", hideHeader: true, align: "right" },
];

/** Saved campaign content: start a campaign from one, or delete it (campaigns made from it keep theirs). */
export default async function TemplatesPage() {
  await requireUser("marketer");
  const [templates, { zone }] = await Promise.all([listTemplateSummaries(getAppDb()), getViewerTimeZone()]);
  const rows: DataTableRow[] = templates.map((t) => ({
    id: t.id,
    cells: {
      name: t.name,
      subject: <span title={t.subject}>{t.subject}</span>,
      created: <Time value={t.createdAt} zone={zone} />,
      actions: (
        <div className="flex flex-wrap items-center justify-end gap-2">
          <Link href={`/campaigns/new?template=${t.id}`} className={buttonClass("secondary", "px-2 py-1 text-xs")}>
            Use<span className="sr-only"> template {t.name} for a new campaign</span>
          </Link>
          <InlineAction action={deleteTemplateAction} fields={{ templateId: t.id }} label="Delete" variant="danger" confirm={`Delete the template "${t.name}"? Campaigns made from it keep their content.`} />
        </div>
      ),
    },
  }));
  return (
    <>
      <PageHeader
        title="Templates"
        description="Content saved from a campaign (subject, HTML and text) to start new campaigns from."
        actions={<Link href="/campaigns/new" className={buttonClass()}>New campaign</Link>}
      />
      <DataTable
        label="Templates"
        columns={columns}
        rows={rows}
        empty={{ title: "No templates yet", description: "Open a campaign and use “Save as template” to keep its content for later campaigns." }}
      />
    </>
  );
}
