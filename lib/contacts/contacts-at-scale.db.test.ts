import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { campaignLists, contacts, listMemberships, lists, webhookEndpoints, webhookEvents } from "@/db/schema";
import { createCampaign, startCampaignSend } from "@/lib/campaigns/campaigns";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { addContact, createContact, createContactsBulk, createList, unsubscribeContacts, upsertContacts } from "./contacts";
import { addContactsToList, deleteList, listContactLists, removeContactsFromList, renameList, setContactLists } from "./lists";
import { fieldKeysOf, searchContacts, searchContactsSqlForTest } from "./search";
import { setContactStatusByEmail } from "./test-support";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const UNKNOWN = "00000000-0000-4000-8000-000000000000";
const emailsOf = (rows: { email: string }[]) => rows.map((r) => r.email);

/** Every page of a search, following `next`, with the totals each page reported. */
async function allPages(search: Parameters<typeof searchContacts>[1], limit: number) {
  const seen: string[] = [];
  const totals = new Set<number>();
  let after: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const page = await searchContacts(t.db, { ...search, after, limit });
    seen.push(...emailsOf(page.rows));
    totals.add(page.total);
    if (!page.next) break;
    after = page.next;
  }
  return { seen, totals: [...totals] };
}

describe("contacts at scale: keyset paging, search, filters (real PostgreSQL)", () => {
  it("pages through contacts that share created_at to the microsecond exactly once each, newest first, with a total", async () => {
    // One statement inserts them all: the same created_at, differing below the millisecond nowhere.
    await upsertContacts(t.db, { rows: Array.from({ length: 57 }, (_, i) => ({ email: `same-${String(i).padStart(2, "0")}@paging.test` })) });
    // And some whose created_at differs only in microseconds (a JS Date would round them together).
    await t.db.insert(contacts).values([
      { email: "micro-1@paging.test", createdAt: sql`'2030-01-01T00:00:00.000100Z'::timestamptz` as never },
      { email: "micro-2@paging.test", createdAt: sql`'2030-01-01T00:00:00.000200Z'::timestamptz` as never },
      { email: "micro-3@paging.test", createdAt: sql`'2030-01-01T00:00:00.000300Z'::timestamptz` as never },
    ]);
    const { seen, totals } = await allPages({ search: "@paging.test" }, 4);
    expect(totals).toEqual([60]);
    expect(seen).toHaveLength(60);
    expect(new Set(seen).size).toBe(60);
    // Newest first: the three future ones lead, in microsecond order.
    expect(seen.slice(0, 3)).toEqual(["micro-3@paging.test", "micro-2@paging.test", "micro-1@paging.test"]);
    // Pages of 1 cross every equal-timestamp boundary too.
    expect((await allPages({ search: "@paging.test" }, 1)).seen).toEqual(seen);
  });

  it("a forged or broken cursor starts from the first page instead of failing", async () => {
    const first = await searchContacts(t.db, { search: "@paging.test", limit: 3 });
    const broken = await searchContacts(t.db, { search: "@paging.test", limit: 3, after: "not-a-cursor" });
    expect(emailsOf(broken.rows)).toEqual(emailsOf(first.rows));
  });

  it("searches address, name and custom field values (not field keys), case-insensitively, with LIKE characters literal", async () => {
    await createContact(t.db, { email: "ada@search.test", name: "Ada Lovelace", fields: { city: "Lyon", plan: "Pro" } });
    await createContact(t.db, { email: "grace@search.test", name: "Grace Hopper", fields: { city: "Arlington" } });
    await createContact(t.db, { email: "quote@search.test", name: "Q", fields: { motto: 'say "hi" 100%' } });
    const q = async (search: string) => emailsOf((await searchContacts(t.db, { search })).rows).filter((e) => e.endsWith("@search.test")).sort();
    expect(await q("ADA@")).toEqual(["ada@search.test"]);
    expect(await q("hopper")).toEqual(["grace@search.test"]);
    expect(await q("lyon")).toEqual(["ada@search.test"]);
    expect(await q("city")).toEqual([]); // a key is not a value
    expect(await q('"hi" 100%')).toEqual(["quote@search.test"]);
    expect(await q("1_0")).toEqual([]);
    expect((await searchContacts(t.db, { search: "lovelace" })).total).toBe(1);
  });

  it("the search's expression is the trigram index's, so the index can serve it", async () => {
    await upsertContacts(t.db, { rows: Array.from({ length: 3000 }, (_, i) => ({ email: `bulk${i}@trgm.test`, name: `Person ${i}`, fields: { n: `v${i}` } })) });
    // A few thousand rows are cheaper to scan; what matters is that the planner may use the index at
    // all (an expression that differs by one cast would silently never use it), so scans are priced out.
    const plan = await t.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      return tx.execute<{ "QUERY PLAN": string }>(sql`explain ${searchContactsSqlForTest("bulk2999@")}`);
    });
    expect(plan.rows.map((r) => r["QUERY PLAN"]).join("\n")).toContain("contacts_search_trgm_idx");
    expect(emailsOf((await searchContacts(t.db, { search: "bulk2999@" })).rows)).toEqual(["bulk2999@trgm.test"]);
  });

  it("filters by list and by status, combined with search and paging", async () => {
    const list = await createList(t.db, { name: "Filter list" });
    await createContactsBulk(t.db, Array.from({ length: 7 }, (_, i) => ({ email: `in${i}@filter.test`, list_ids: [list.id] })));
    await createContactsBulk(t.db, Array.from({ length: 3 }, (_, i) => ({ email: `out${i}@filter.test` })));
    await setContactStatusByEmail(t.db, { email: "in3@filter.test", status: "unsubscribed", reason: "test" });
    await setContactStatusByEmail(t.db, { email: "out1@filter.test", status: "bounced", reason: "test" });
    const inList = await allPages({ listId: list.id }, 2);
    expect(inList.totals).toEqual([7]);
    expect(inList.seen.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `in${i}@filter.test`));
    expect((await searchContacts(t.db, { listId: list.id, status: "unsubscribed" })).rows.map((r) => r.email)).toEqual(["in3@filter.test"]);
    expect(emailsOf((await searchContacts(t.db, { search: "@filter.test", status: "bounced" })).rows)).toEqual(["out1@filter.test"]);
    expect((await searchContacts(t.db, { listId: UNKNOWN })).total).toBe(0);
  });

  it("field keys become columns: the keys present on the rows, sorted", async () => {
    expect(fieldKeysOf([{ fields: { plan: "a", city: "b" } }, { fields: {} }, { fields: { age: "3", city: "c" } }])).toEqual(["age", "city", "plan"]);
  });
});

describe("lists and bulk actions (real PostgreSQL)", () => {
  it("adding an existing address with a list adds it to the list instead of failing; without a list it is still a 409", async () => {
    const list = await createList(t.db, { name: "Existing" });
    const first = await addContact(t.db, { email: "Known@lists.test", name: "Known", fields: { a: "1" } });
    expect(first.created).toBe(true);
    const again = await addContact(t.db, { email: "known@LISTS.test", name: "Other name", list_ids: [list.id] });
    expect(again).toMatchObject({ created: false, contact: { id: first.contact.id, name: "Known", fields: { a: "1" } } });
    expect(emailsOf(await listContactLists(t.db, first.contact.id).then((ls) => ls.map((l) => ({ email: l.name }))))).toEqual(["Existing"]);
    // Twice is still fine (already a member).
    await expect(addContact(t.db, { email: "known@lists.test", list_ids: [list.id] })).resolves.toMatchObject({ created: false });
    await expect(addContact(t.db, { email: "known@lists.test" })).rejects.toMatchObject({ code: "contact_exists", status: 409 });
    await expect(addContact(t.db, { email: "known@lists.test", list_ids: [UNKNOWN] })).rejects.toMatchObject({ code: "unknown_list" });
  });

  it("adds to and removes from a list in bulk, ignoring unknown and malformed ids; an unknown list is refused", async () => {
    const list = await createList(t.db, { name: "Bulk" });
    const a = await createContact(t.db, { email: "a@bulk.test" });
    const b = await createContact(t.db, { email: "b@bulk.test" });
    expect(await addContactsToList(t.db, { listId: list.id, contactIds: [a.id, b.id, UNKNOWN, "nope"] })).toMatchObject({ added: 2 });
    expect(await addContactsToList(t.db, { listId: list.id, contactIds: [a.id] })).toMatchObject({ added: 0 });
    expect(await removeContactsFromList(t.db, { listId: list.id, contactIds: [a.id, "nope"] })).toMatchObject({ removed: 1 });
    expect(emailsOf((await searchContacts(t.db, { listId: list.id })).rows)).toEqual(["b@bulk.test"]);
    await expect(addContactsToList(t.db, { listId: UNKNOWN, contactIds: [a.id] })).rejects.toMatchObject({ code: "unknown_list", status: 422 });
    await expect(removeContactsFromList(t.db, { listId: UNKNOWN, contactIds: [a.id] })).rejects.toMatchObject({ code: "unknown_list" });
  });

  it("unsubscribes in bulk only the subscribed ones, announcing each", async () => {
    await t.db.insert(webhookEndpoints).values({ url: "https://hooks.example.com/x", events: ["Contact.Unsubscribed"], status: "active", rateLimit: 10, rateLimitPeriod: "second", secret: "s", verificationToken: "tok" });
    const a = await createContact(t.db, { email: "a@unsub.test" });
    const b = await createContact(t.db, { email: "b@unsub.test" });
    await setContactStatusByEmail(t.db, { email: "b@unsub.test", status: "bounced", reason: "hard bounce" });
    const before = await t.db.$count(webhookEvents, eq(webhookEvents.event, "Contact.Unsubscribed"));
    const result = await unsubscribeContacts(t.db, { contactIds: [a.id, b.id, UNKNOWN], actor: "mia@postline.test" }, new Date());
    expect(result).toEqual({ unsubscribed: 1 });
    const rows = await t.db.select().from(contacts).where(sql`${contacts.id} in (${a.id}, ${b.id})`);
    expect(rows.find((r) => r.id === a.id)).toMatchObject({ status: "unsubscribed", statusReason: "Unsubscribed by mia@postline.test" });
    expect(rows.find((r) => r.id === b.id)).toMatchObject({ status: "bounced" });
    expect(await t.db.$count(webhookEvents, eq(webhookEvents.event, "Contact.Unsubscribed"))).toBe(before + 1);
  });

  it("a contact's lists are set from its page: added and removed in one go", async () => {
    const one = await createList(t.db, { name: "One" });
    const two = await createList(t.db, { name: "Two" });
    const c = await createContact(t.db, { email: "c@setlists.test", list_ids: [one.id] });
    expect(await setContactLists(t.db, { contactId: c.id, listIds: [two.id] })).toEqual({ added: 1, removed: 1 });
    expect((await listContactLists(t.db, c.id)).map((l) => l.name)).toEqual(["Two"]);
    expect(await setContactLists(t.db, { contactId: c.id, listIds: [] })).toEqual({ added: 0, removed: 1 });
    await expect(setContactLists(t.db, { contactId: c.id, listIds: [UNKNOWN] })).rejects.toMatchObject({ code: "unknown_list" });
    await expect(setContactLists(t.db, { contactId: UNKNOWN, listIds: [one.id] })).rejects.toMatchObject({ code: "not_found" });
  });

  it("renames a list (names stay unique whatever their case) and deletes one keeping its contacts", async () => {
    const list = await createList(t.db, { name: "Old name" });
    await createList(t.db, { name: "Taken" });
    const c = await createContact(t.db, { email: "member@rename.test", list_ids: [list.id] });
    expect(await renameList(t.db, { id: list.id, name: "  New name " })).toMatchObject({ id: list.id, name: "New name" });
    await expect(renameList(t.db, { id: list.id, name: "TAKEN" })).rejects.toMatchObject({ code: "list_exists", status: 409 });
    await expect(renameList(t.db, { id: UNKNOWN, name: "x" })).rejects.toMatchObject({ code: "not_found", status: 404 });
    expect(await deleteList(t.db, { id: list.id })).toEqual({ name: "New name", members: 1 });
    expect(await t.db.$count(lists, eq(lists.id, list.id))).toBe(0);
    expect(await t.db.$count(contacts, eq(contacts.id, c.id))).toBe(1);
    expect(await t.db.$count(listMemberships, eq(listMemberships.contactId, c.id))).toBe(0);
    await expect(deleteList(t.db, { id: list.id })).rejects.toMatchObject({ code: "not_found" });
  });

  it("refuses to delete the list of a campaign not sent yet; a sent campaign's list may go", async () => {
    const list = await createList(t.db, { name: "Audience" });
    await createContact(t.db, { email: "aud@delete.test", list_ids: [list.id] });
    const campaign = await createCampaign(t.db, { name: "Waiting", subject: "s", html: "<p>h</p>", list_ids: [list.id] }, { defaultFrom: "f@postline.test" });
    await expect(deleteList(t.db, { id: list.id })).rejects.toMatchObject({ code: "list_in_use", status: 409, message: expect.stringContaining('"Waiting"') });
    await startCampaignSend(t.db, { campaignId: campaign.id, stream: "broadcast" }, new Date());
    await expect(deleteList(t.db, { id: list.id })).resolves.toMatchObject({ members: 1 });
    expect(await t.db.$count(campaignLists, eq(campaignLists.campaignId, campaign.id))).toBe(0);
  });
});
