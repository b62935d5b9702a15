import Link from "next/link";
import { HumanStatusBadge } from "@/components/messages/engagement-status";
import { buttonClass } from "@/components/ui/button";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { inputClass } from "@/components/ui/field";
import { Time } from "@/components/ui/time";
import { keysetPaging } from "@/components/ui/keyset-paging";
import type { Message, RecipientFilter, RecipientSort } from "@/lib/messages/queries";

const FILTER_LABELS: [RecipientFilter, string][] = [
  ["all", "All"],
  ["delivered", "Delivered"],
  ["opened", "Opened"],
  ["clicked", "Clicked"],
  ["unopened", "Unopened"],
  ["bounced", "Bounced"],
  ["spam_complaint", "Spam"],
  ["unsubscribed", "Unsubscribed"],
  ["failed", "Failed"],
  ["suppressed", "Skipped"],
  ["queued", "Waiting"],
];

export interface RecipientsView {
  filter: RecipientFilter;
  q: string;
  sort: RecipientSort;
  /** Count machine-only opens as opened ("opened" and "unopened" filters); `?machine=1`. */
  machine: boolean;
  after: string | null;
}

/** The view's parameters, defaults left out so links stay short. */
function viewParams(view: Partial<RecipientsView>): Record<string, string | null> {
  return { filter: view.filter && view.filter !== "all" ? view.filter : null, q: view.q || null, sort: view.sort && view.sort !== "email" ? view.sort : null, machine: view.machine ? "1" : null };
}

/** The view's first page. */
function viewHref(base: string, view: Partial<RecipientsView>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(viewParams(view))) if (value) params.set(key, value);
  const qs = params.toString();
  return qs ? `${base}?${qs}` : base;
}


const columns: DataTableColumn[] = [
  { id: "toEmail", header: "Recipient", className: "font-medium" },
  { id: "status", header: "Status" },
  { id: "sentAt", header: "Sent", className: "whitespace-nowrap" },
  { id: "deliveredAt", header: "Delivered", className: "whitespace-nowrap" },
  { id: "firstOpenedAt", header: "Opened", subLabel: "by a person", className: "whitespace-nowrap" },
  { id: "firstClickedAt", header: "Clicked", subLabel: "by a person", className: "whitespace-nowrap" },
  { id: "lastEventAt", header: "Last activity", className: "whitespace-nowrap" },
];

/** The per-recipient table; filtering, sorting and paging happen in the query, all in the URL. */
export function RecipientsSection({ campaignId, rows, next, view, trail, zone }: { campaignId: string; rows: Message[]; next: string | null; view: RecipientsView; trail: string[]; zone: string }) {
  const base = `/campaigns/${campaignId}`;
  const data: DataTableRow[] = rows.map((m) => ({
    id: m.id,
    cells: {
      toEmail: (
        <Link href={`/messages/${m.id}`} className="text-brand-700 hover:underline">
          {m.toEmail}
        </Link>
      ),
      status: (
        <span>
          <HumanStatusBadge message={m} />
          {m.errorMessage ? <span className="block text-xs text-slate-500">{m.errorMessage}</span> : null}
        </span>
      ),
      sentAt: <Time value={m.sentAt} zone={zone} />,
      deliveredAt: <Time value={m.deliveredAt} zone={zone} />,
      // The first open and click by a person; the counts are every open and click Postmark reported.
      firstOpenedAt: m.firstHumanOpenedAt ? (
        <>
          <Time value={m.firstHumanOpenedAt} zone={zone} /> ({m.openCount}×)
        </>
      ) : (
        "—"
      ),
      firstClickedAt: m.firstHumanClickedAt ? (
        <>
          <Time value={m.firstHumanClickedAt} zone={zone} /> ({m.clickCount}×)
        </>
      ) : (
        "—"
      ),
      lastEventAt: <Time value={m.lastEventAt} zone={zone} />,
    },
  }));
  const exportParams = new URLSearchParams({ filter: view.filter, q: view.q, sort: view.sort, ...(view.machine ? { machine: "1" } : {}) });
  return (
    <section aria-labelledby="recipients-heading" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="recipients-heading" className="text-lg font-semibold text-slate-900">
          Recipients
        </h2>
        <a href={`${base}/export?${exportParams}`} className={buttonClass("secondary")}>
          Export CSV
        </a>
      </div>
      <nav aria-label="Filter recipients" className="flex flex-wrap gap-1">
        {FILTER_LABELS.map(([filter, label]) => (
          <Link
            key={filter}
            href={viewHref(base, { ...view, filter })}
            aria-current={view.filter === filter ? "true" : undefined}
            className={`rounded-full px-3 py-1 text-sm ${view.filter === filter ? "bg-brand-600 text-white" : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50"}`}
          >
            {label}
          </Link>
        ))}
      </nav>
      <p className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-slate-600" data-testid="machine-toggle">
        <Link
          href={viewHref(base, { ...view, machine: !view.machine })}
          role="switch"
          aria-checked={view.machine}
          className="inline-flex items-center gap-2 text-brand-700 hover:underline"
        >
          <span aria-hidden className={`inline-block h-3.5 w-3.5 rounded-sm border ${view.machine ? "border-brand-600 bg-brand-600" : "border-slate-400 bg-white"}`} />
          Count machine-only opens as opened
        </Link>
        <span className="text-xs text-slate-500">
          {view.machine
            ? "On: Opened and Unopened count any open, including Apple's proxy and scanners fetching the mail."
            : "Off: Opened means a person opened; Unopened includes recipients only machines opened."}
        </span>
      </p>
      <form action={base} className="flex flex-wrap items-end gap-3" aria-label="Search recipients">
        {view.filter !== "all" ? <input type="hidden" name="filter" value={view.filter} /> : null}
        {view.machine ? <input type="hidden" name="machine" value="1" /> : null}
        <label className="text-sm">
          <span className="mb-1 block font-medium text-slate-700">Search by address</span>
          <input name="q" defaultValue={view.q} className={inputClass} placeholder="name@example.com" />
        </label>
        <label className="text-sm">
          <span className="mb-1 block font-medium text-slate-700">Sort</span>
          <select name="sort" defaultValue={view.sort} className={inputClass}>
            <option value="email">Address A→Z</option>
            <option value="-email">Address Z→A</option>
            <option value="-activity">Latest activity</option>
          </select>
        </label>
        <button type="submit" className={buttonClass("secondary")}>
          Apply
        </button>
      </form>
      <DataTable
        label="Recipients"
        columns={columns}
        rows={data}
        rowTestId="recipient-row"
        empty={{ title: "No recipients match", description: view.filter === "all" && !view.q ? "The audience is frozen when the campaign is sent." : "Try another filter or search." }}
        sort={{
          kind: "url",
          current: view.sort === "email" ? { id: "toEmail", desc: false } : view.sort === "-email" ? { id: "toEmail", desc: true } : { id: "lastEventAt", desc: true },
          // The query orders the whole audience; a new order starts again at its first page.
          hrefs: {
            toEmail: viewHref(base, { ...view, sort: view.sort === "email" ? "-email" : "email" }),
            lastEventAt: viewHref(base, { ...view, sort: "-activity" }),
          },
        }}
        paging={{
          ...keysetPaging({ path: base, params: viewParams(view), cursorParam: "after", cursor: view.after, trail, next }),
          labels: { first: "« First page", previous: "← Previous page", next: "Next page →" },
        }}
      />
    </section>
  );
}
