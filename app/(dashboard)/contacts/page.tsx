import { z } from "zod";
import { CreateContactForm, CreateListForm } from "@/components/contacts/simple-forms";
import { ImportForm } from "@/components/contacts/import-form";
import { buttonClass } from "@/components/ui/button";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { Table, Td, Th, formatDateTime } from "@/components/ui/table";
import { requireUser } from "@/lib/app/session";
import { countContacts, listContacts, listLists } from "@/lib/contacts/contacts";
import { getAppDb } from "@/lib/app/deps";

export const metadata = { title: "Contacts" };

const STATUS_TONE = { subscribed: "green", unsubscribed: "slate", bounced: "amber", complained: "red" } as const;

const querySchema = z.object({
  q: z.string().max(320).optional().catch(undefined),
  status: z.enum(["subscribed", "unsubscribed", "bounced", "complained"]).optional().catch(undefined),
  list: z.string().uuid().optional().catch(undefined),
});

export default async function ContactsPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  await requireUser("marketer");
  const filter = querySchema.parse(await searchParams);
  const db = getAppDb();
  const [contacts, lists, counts] = await Promise.all([
    listContacts(db, { search: filter.q, status: filter.status, listId: filter.list, limit: 100 }),
    listLists(db),
    countContacts(db),
  ]);
  const filtered = Boolean(filter.q || filter.status || filter.list);
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

        {contacts.length === 0 ? (
          <EmptyState title={filtered ? "No contacts match" : "No contacts yet"}>
            {filtered ? "Try another search or status." : "Import a CSV above, add one by hand, or use the API (POST /api/v1/contacts)."}
          </EmptyState>
        ) : (
          <Table label="Contacts">
            <thead className="bg-slate-50">
              <tr>
                <Th>Email</Th>
                <Th>Name</Th>
                <Th>Status</Th>
                <Th>Fields</Th>
                <Th>Added</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {contacts.map((c) => (
                <tr key={c.id}>
                  <Td className="font-medium"><a href={`/contacts/${c.id}`} className="text-brand-700 hover:underline">{c.email}</a></Td>
                  <Td>{c.name || "—"}</Td>
                  <Td>
                    <Badge tone={STATUS_TONE[c.status]}>{c.status}</Badge>
                    {c.statusReason && c.status !== "subscribed" ? <span className="block text-xs text-slate-500">{c.statusReason}</span> : null}
                  </Td>
                  <Td className="max-w-xs truncate font-mono text-xs">{Object.keys(c.fields).length ? JSON.stringify(c.fields) : "—"}</Td>
                  <Td>{formatDateTime(c.createdAt)}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </div>
    </>
  );
}
