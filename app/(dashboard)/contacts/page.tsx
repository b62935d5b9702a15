import { z } from "zod";
import { BULK_FORM_ID, BulkActions } from "@/components/contacts/bulk-actions";
import { ListsManager } from "@/components/contacts/list-manager";
import { TagChip, TagsManager } from "@/components/contacts/tags";
import { CreateContactForm, CreateListForm } from "@/components/contacts/simple-forms";
import { buttonClass } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { inputClass } from "@/components/ui/field";
import { formatNumber } from "@/components/ui/format";
import { keysetPaging, parseCursor, parseTrail } from "@/components/ui/keyset-paging";
import { Time } from "@/components/ui/time";
import { requireUser } from "@/lib/app/session";
import { countContacts, listLists } from "@/lib/contacts/contacts";
import { fieldKeysOf, searchContacts } from "@/lib/contacts/search";
import { listTags, tagsOfContacts } from "@/lib/contacts/tags";
import { getAppDb } from "@/lib/app/deps";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { idField } from "@/lib/http/id";

export const metadata = { title: "Contacts" };

const STATUS_TONE = { subscribed: "green", unsubscribed: "slate", bounced: "amber", complained: "red", pending: "blue" } as const;

const PAGE_SIZE = 50;

const querySchema = z.object({
  q: z.string().max(320).optional().catch(undefined),
  status: z.enum(["subscribed", "unsubscribed", "bounced", "complained", "pending"]).optional().catch(undefined),
  list: idField().optional().catch(undefined),
  tag: idField().optional().catch(undefined),
  erased: z.literal("1").optional().catch(undefined),
});

export default async function ContactsPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await requireUser("marketer");
  const { zone } = await getViewerTimeZone();
  const search = await searchParams;
  const filter = querySchema.parse(search);
  const cursor = parseCursor(search.after);
  const trail = parseTrail(search.trail);
  const db = getAppDb();
  const [found, lists, counts, tags] = await Promise.all([
    searchContacts(db, { search: filter.q, status: filter.status, listId: filter.list, tagId: filter.tag, after: cursor, limit: PAGE_SIZE }),
    listLists(db),
    countContacts(db),
    listTags(db),
  ]);
  // The page's tags in one query; their column shows only when some contact on the page has one.
  const tagsOf = await tagsOfContacts(db, found.rows.map((c) => c.id));
  const filtered = Boolean(filter.q || filter.status || filter.list || filter.tag);
  const listName = filter.list ? lists.find((l) => l.id === filter.list)?.name : undefined;
  const tagName = filter.tag ? tags.find((t) => t.id === filter.tag)?.name : undefined;
  // Custom fields are columns of their own: the keys present on this page's contacts.
  const fieldKeys = fieldKeysOf(found.rows);
  const columns: DataTableColumn[] = [
    { id: "select", header: "Select", hideHeader: true, className: "w-10" },
    { id: "email", header: "Email", className: "font-medium whitespace-nowrap" },
    { id: "name", header: "Name", className: "min-w-32" },
    { id: "status", header: "Status" },
    ...(tagsOf.size ? [{ id: "tags", header: "Tags", className: "min-w-32" }] : []),
    ...fieldKeys.map((k) => ({ id: `field:${k}`, header: k, className: "max-w-48 truncate" })),
    { id: "added", header: "Added", className: "whitespace-nowrap" },
  ];
  const rows: DataTableRow[] = found.rows.map((c) => ({
    id: c.id,
    cells: {
      select: <input type="checkbox" name="contact_id" value={c.id} form={BULK_FORM_ID} aria-label={`Select ${c.email}`} className="size-4 accent-brand-600" />,
      email: (
        <a href={`/contacts/${c.id}`} className="text-brand-700 hover:underline">
          {c.email}
        </a>
      ),
      name: c.name || "—",
      status: (
        <>
          <Badge tone={STATUS_TONE[c.status]}>{c.status}</Badge>
          {c.statusReason && c.status !== "subscribed" ? <span className="block max-w-56 text-xs text-slate-500">{c.statusReason}</span> : null}
        </>
      ),
      tags: tagsOf.get(c.id)?.length ? (
        <span className="flex flex-wrap gap-1">
          {tagsOf.get(c.id)!.map((t) => (
            <TagChip key={t.id} name={t.name} />
          ))}
        </span>
      ) : (
        <span className="text-slate-500">—</span>
      ),
      ...Object.fromEntries(fieldKeys.map((k) => [`field:${k}`, c.fields[k] ? <span title={c.fields[k]}>{c.fields[k]}</span> : <span className="text-slate-500">—</span>])),
      added: <Time value={c.createdAt} zone={zone} />,
    },
  }));
  const pageNumber = trail.length + (cursor ? 2 : 1);
  const pages = Math.max(1, Math.ceil(found.total / PAGE_SIZE));
  const paging = keysetPaging({ path: "/contacts", params: { q: filter.q, status: filter.status, list: filter.list, tag: filter.tag }, cursorParam: "after", cursor, trail, next: found.next });
  return (
    <>
      <PageHeader title="Contacts" description={`${formatNumber(counts.total)} contacts, ${formatNumber(counts.subscribed)} subscribed.`} />
      <div className="space-y-6">
        {filter.erased ? (
          <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-4 py-2 text-sm text-emerald-800">
            Contact deleted: its address, name and fields were erased.
          </p>
        ) : null}
        <Card title="Import contacts" description="Bring a list in from a spreadsheet: preview the first rows and choose what each column is.">
          <a href="/contacts/import" className={buttonClass("secondary")}>
            Import a CSV file
          </a>
        </Card>
        <div className="grid gap-6 lg:grid-cols-2">
          <Card title="Lists">
            <div className="space-y-4">
              {lists.length ? (
                <ListsManager lists={lists} />
              ) : (
                <p className="text-sm text-slate-500">No lists yet. Lists let a campaign reach part of your audience.</p>
              )}
              <CreateListForm />
            </div>
          </Card>
          <Card title="Tags" description="Tags are added on a contact's page, by the bulk actions below, by the API or by an import.">
            {tags.length ? (
              <TagsManager tags={tags.map((t) => ({ id: t.id, name: t.name, contactCount: t.contactCount }))} />
            ) : (
              <p className="text-sm text-slate-500">No tags yet.</p>
            )}
          </Card>
          <Card title="Add one contact" description="An address that is already a contact is added to the chosen list.">
            <CreateContactForm lists={lists} />
          </Card>
        </div>

        <section aria-labelledby="all-contacts" className="space-y-3">
          <h2 id="all-contacts" className="text-lg font-semibold">
            {listName && tagName ? `Contacts in “${listName}” tagged “${tagName}”` : listName ? `Contacts in “${listName}”` : tagName ? `Contacts tagged “${tagName}”` : "All contacts"}
          </h2>
          <form className="flex flex-wrap items-end gap-3" aria-label="Search and filter contacts" role="search">
            <div className="w-full text-sm sm:w-auto">
              <label htmlFor="contacts-q" className="mb-1 block font-medium text-slate-700">
                Search
              </label>
              <input id="contacts-q" name="q" type="search" defaultValue={filter.q} className={`${inputClass} sm:w-72`} placeholder="Address, name or field value" />
            </div>
            <div className="text-sm">
              <label htmlFor="contacts-status" className="mb-1 block font-medium text-slate-700">
                Status
              </label>
              <select id="contacts-status" name="status" defaultValue={filter.status ?? ""} className={inputClass}>
                <option value="">Any</option>
                <option value="subscribed">Subscribed</option>
                <option value="unsubscribed">Unsubscribed</option>
                <option value="bounced">Bounced</option>
                <option value="complained">Complained</option>
                <option value="pending">Pending confirmation</option>
              </select>
            </div>
            <div className="text-sm">
              <label htmlFor="contacts-list" className="mb-1 block font-medium text-slate-700">
                List
              </label>
              <select id="contacts-list" name="list" defaultValue={filter.list ?? ""} className={`${inputClass} max-w-56`}>
                <option value="">Any list</option>
                {lists.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name}
                  </option>
                ))}
              </select>
            </div>
            {tags.length ? (
              <div className="text-sm">
                <label htmlFor="contacts-tag" className="mb-1 block font-medium text-slate-700">
                  Tag
                </label>
                <select id="contacts-tag" name="tag" defaultValue={filter.tag ?? ""} className={`${inputClass} max-w-56`}>
                  <option value="">Any tag</option>
                  {tags.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </div>
            ) : null}
            <button type="submit" className={buttonClass("secondary")}>
              Search
            </button>
            {filtered ? (
              <a href="/contacts" className={buttonClass("ghost")}>
                Clear
              </a>
            ) : null}
          </form>
          <p className="text-sm text-slate-600" data-testid="contacts-count">
            {formatNumber(found.total)} {found.total === 1 ? "contact" : "contacts"}
            {filtered ? " match" : ""}
            {found.total > PAGE_SIZE && trail.length < 40 ? ` · page ${formatNumber(pageNumber)} of ${formatNumber(pages)}` : ""}
          </p>
          {found.rows.length ? <BulkActions lists={lists} tags={tags.map((t) => ({ id: t.id, name: t.name }))} pageSize={found.rows.length} /> : null}
          <DataTable
            label="Contacts"
            columns={columns}
            rows={rows}
            rowTestId="contact-row"
            empty={
              filtered
                ? { title: "No contacts match", description: "Try another search, status, list or tag.", action: <a href="/contacts" className={buttonClass("secondary")}>Clear the filter</a> }
                : { title: "No contacts yet", description: "Import a CSV above, add one by hand, or use the API (POST /api/v1/contacts)." }
            }
            paging={{ ...paging, labels: { first: "« Newest", previous: "← Newer", next: "Older →" } }}
          />
        </section>
      </div>
    </>
  );
}
