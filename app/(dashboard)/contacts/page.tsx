import { z } from "zod";
import { CreateContactForm, CreateListForm } from "@/components/contacts/simple-forms";
import { ImportForm } from "@/components/contacts/import-form";
import { buttonClass } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { inputClass } from "@/components/ui/field";
import { Time } from "@/components/ui/time";
import { requireUser } from "@/lib/app/session";
import { countContacts, listContacts, listLists } from "@/lib/contacts/contacts";
import { getAppDb } from "@/lib/app/deps";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { idField } from "@/lib/http/id";

export const metadata = { title: "Contacts" };

const STATUS_TONE = { subscribed: "green", unsubscribed: "slate", bounced: "amber", complained: "red" } as const;

const SHOWN = 100;

const columns: DataTableColumn[] = [
  { id: "email", header: "Email", className: "font-medium" },
  { id: "name", header: "Name" },
  { id: "status", header: "Status" },
  { id: "fields", header: "Fields", className: "max-w-xs truncate font-mono text-xs" },
  { id: "added", header: "Added", className: "whitespace-nowrap" },
];

const querySchema = z.object({
  q: z.string().max(320).optional().catch(undefined),
  status: z.enum(["subscribed", "unsubscribed", "bounced", "complained"]).optional().catch(undefined),
  list: idField().optional().catch(undefined),
});

export default async function ContactsPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await requireUser("marketer");
  const { zone } = await getViewerTimeZone();
  const filter = querySchema.parse(await searchParams);
  const db = getAppDb();
  const [found, lists, counts] = await Promise.all([
    // One more than shown tells whether there are more. No cursor yet (listContacts' date cursor drops
    // microseconds, so it would skip contacts imported together), hence no paging and no sorting here.
    listContacts(db, { search: filter.q, status: filter.status, listId: filter.list, limit: SHOWN + 1 }),
    listLists(db),
    countContacts(db),
  ]);
  const filtered = Boolean(filter.q || filter.status || filter.list);
  const rows: DataTableRow[] = found.slice(0, SHOWN).map((c) => ({
    id: c.id,
    cells: {
      email: (
        <a href={`/contacts/${c.id}`} className="text-brand-700 hover:underline">
          {c.email}
        </a>
      ),
      name: c.name || "—",
      status: (
        <>
          <Badge tone={STATUS_TONE[c.status]}>{c.status}</Badge>
          {c.statusReason && c.status !== "subscribed" ? <span className="block text-xs text-slate-500">{c.statusReason}</span> : null}
        </>
      ),
      fields: Object.keys(c.fields).length ? JSON.stringify(c.fields) : "—",
      added: <Time value={c.createdAt} zone={zone} />,
    },
  }));
  return (
    <>
      <PageHeader title="Contacts" description={`${counts.total.toLocaleString("en")} contacts, ${counts.subscribed.toLocaleString("en")} subscribed.`} />
      <div className="space-y-6">
        <Card title="Import contacts" description="Bring a list in from a spreadsheet.">
          <ImportForm lists={lists} />
        </Card>
        <div className="grid gap-6 lg:grid-cols-2">
          <Card title="Lists">
            <div className="space-y-4">
              {lists.length ? (
                <ul className="divide-y divide-slate-100 text-sm">
                  {lists.map((l) => (
                    <li key={l.id} className="flex justify-between py-2">
                      <a href={`/contacts?list=${l.id}`} className="font-medium text-brand-700 hover:underline">
                        {l.name}
                      </a>
                      <span className="tabular-nums text-slate-500">
                        {l.subscribedCount.toLocaleString("en")} subscribed of {l.memberCount.toLocaleString("en")}
                      </span>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="text-sm text-slate-500">No lists yet. Lists let a campaign reach part of your audience.</p>
              )}
              <CreateListForm />
            </div>
          </Card>
          <Card title="Add one contact">
            <CreateContactForm lists={lists} />
          </Card>
        </div>

        <form className="flex flex-wrap items-end gap-3" aria-label="Filter contacts">
          <label className="text-sm">
            <span className="mb-1 block font-medium text-slate-700">Search by address</span>
            <input name="q" defaultValue={filter.q} className={inputClass} placeholder="name@example.com" />
          </label>
          <label className="text-sm">
            <span className="mb-1 block font-medium text-slate-700">Status</span>
            <select name="status" defaultValue={filter.status ?? ""} className={inputClass}>
              <option value="">Any</option>
              <option value="subscribed">Subscribed</option>
              <option value="unsubscribed">Unsubscribed</option>
              <option value="bounced">Bounced</option>
              <option value="complained">Complained</option>
            </select>
          </label>
          {filter.list ? <input type="hidden" name="list" value={filter.list} /> : null}
          <button type="submit" className={buttonClass("secondary")}>
            Filter
          </button>
          {filtered ? (
            <a href="/contacts" className={buttonClass("ghost")}>
              Clear
            </a>
          ) : null}
        </form>

        <DataTable
          label="Contacts"
          columns={columns}
          rows={rows}
          empty={
            filtered
              ? { title: "No contacts match", description: "Try another search or status.", action: <a href="/contacts" className={buttonClass("secondary")}>Clear the filter</a> }
              : { title: "No contacts yet", description: "Import a CSV above, add one by hand, or use the API (POST /api/v1/contacts)." }
          }
        />
        {found.length > SHOWN ? <p className="text-sm text-slate-500">The newest {SHOWN} contacts{filtered ? " that match" : ""} are shown; search by address to find others.</p> : null}
      </div>
    </>
  );
}
