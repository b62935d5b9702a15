import Link from "next/link";
import { RecipientsTable, type RecipientRow } from "@/components/campaigns/recipients-table";
import { buttonClass } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
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
  after: string | null;
}

export function viewHref(base: string, view: Partial<RecipientsView>): string {
  const params = new URLSearchParams();
  if (view.filter && view.filter !== "all") params.set("filter", view.filter);
  if (view.q) params.set("q", view.q);
  if (view.sort && view.sort !== "email") params.set("sort", view.sort);
  if (view.after) params.set("after", view.after);
  const qs = params.toString();
  return qs ? `${base}?${qs}` : base;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function RecipientsSection({ campaignId, rows, next, view }: { campaignId: string; rows: Message[]; next: string | null; view: RecipientsView }) {
  const base = `/campaigns/${campaignId}`;
  const data: RecipientRow[] = rows.map((m) => ({
    id: m.id,
    toEmail: m.toEmail,
    status: m.status,
    sentAt: iso(m.sentAt),
    deliveredAt: iso(m.deliveredAt),
    firstOpenedAt: iso(m.firstOpenedAt),
    openCount: m.openCount,
    firstClickedAt: iso(m.firstClickedAt),
    clickCount: m.clickCount,
    lastEventAt: iso(m.lastEventAt),
    errorMessage: m.errorMessage,
  }));
  const exportParams = new URLSearchParams({ filter: view.filter, q: view.q, sort: view.sort });
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
            href={viewHref(base, { ...view, filter, after: null })}
            aria-current={view.filter === filter ? "true" : undefined}
            className={`rounded-full px-3 py-1 text-sm ${view.filter === filter ? "bg-brand-600 text-white" : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50"}`}
          >
            {label}
          </Link>
        ))}
      </nav>
      <form action={base} className="flex flex-wrap items-end gap-3" aria-label="Search recipients">
        {view.filter !== "all" ? <input type="hidden" name="filter" value={view.filter} /> : null}
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
      {data.length === 0 ? (
        <EmptyState title="No recipients match">{view.filter === "all" && !view.q ? "The audience is frozen when the campaign is sent." : "Try another filter or search."}</EmptyState>
      ) : (
        <RecipientsTable rows={data} />
      )}
      <div className="flex justify-between text-sm">
        {view.after ? (
          <Link href={viewHref(base, { ...view, after: null })} className="text-brand-700 hover:underline">
            ← First page
          </Link>
        ) : (
          <span />
        )}
        {next ? (
          <Link href={viewHref(base, { ...view, after: next })} className="text-brand-700 hover:underline" rel="next">
            Next page →
          </Link>
        ) : null}
      </div>
    </section>
  );
}
