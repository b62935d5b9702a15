import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookEndpoints } from "@/db/schema";
import { sampleEventData } from "@/lib/outbound-webhooks/events";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createContact } from "./contacts";
import { eraseContact } from "./erase";
import { searchContacts } from "./search";
import {
  createTag,
  deleteTag,
  listContactTags,
  listTags,
  renameTag,
  tagContact,
  tagContacts,
  tagsOfContacts,
  untagContact,
  untagContacts,
} from "./tags";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const now = new Date("2026-03-01T10:00:00.000Z");

async function announced(event: string) {
  const rows = await t.db.execute<{ data: Record<string, unknown>; occurred_at: string }>(sql`
    select data, occurred_at::text from webhook_events where event = ${event} order by occurred_at, id`);
  return rows.rows.map((r) => r.data);
}

async function clearOutbox() {
  await t.db.execute(sql`delete from webhook_deliveries; delete from webhook_events`);
}

describe("tags (real PostgreSQL)", () => {
  it("creates, lists with counts, renames and refuses a name another tag has, whatever its case", async () => {
    const vip = await createTag(t.db, { name: "  VIP " });
    expect(vip.name).toBe("VIP");
    await expect(createTag(t.db, { name: "vip" })).rejects.toMatchObject({ code: "tag_exists", status: 409 });
    await expect(createTag(t.db, { name: "" })).rejects.toThrow(/Name the tag/);
    await expect(createTag(t.db, { name: "x".repeat(101) })).rejects.toThrow(/at most 100/);
    const beta = await createTag(t.db, { name: "beta" });
    const c = await createContact(t.db, { email: "counted@tags.test" });
    await tagContacts(t.db, { contactIds: [c.id], tagIds: [beta.id] }, now);

    const listed = await listTags(t.db);
    expect(listed.map((x) => [x.name, x.contactCount])).toEqual([["beta", 1], ["VIP", 0]]);

    await expect(renameTag(t.db, { id: beta.id, name: "Vip" }, now)).rejects.toMatchObject({ code: "tag_exists" });
    const renamed = await renameTag(t.db, { id: beta.id, name: "Beta testers" }, now);
    expect(renamed).toMatchObject({ id: beta.id, name: "Beta testers", updatedAt: now });
    await expect(renameTag(t.db, { id: "00000000-0000-4000-8000-000000000000", name: "x" }, now)).rejects.toMatchObject({ code: "not_found" });
    await expect(renameTag(t.db, { id: "not-an-id", name: "x" }, now)).rejects.toMatchObject({ code: "not_found" });
    // Renaming a tag to its own name in another case is allowed (it is the same tag).
    expect((await renameTag(t.db, { id: vip.id, name: "vip" }, now)).name).toBe("vip");
    expect(await listContactTags(t.db, c.id)).toEqual([{ id: beta.id, name: "Beta testers" }]);
  });

  it("tags by name, creating missing tags when asked, idempotently; unknown names or ids are refused with nothing written", async () => {
    const c = await createContact(t.db, { email: "named@tags.test" });
    const tags = await tagContact(t.db, { contactId: c.id, tagNames: ["Gold", "gold", "Newsletter, weekly"] }, now);
    expect(tags.map((x) => x.name)).toEqual(["Gold", "Newsletter, weekly"]);
    expect(await tagContact(t.db, { contactId: c.id, tagNames: ["GOLD"] }, now)).toEqual(tags);

    await expect(tagContacts(t.db, { contactIds: [c.id], tagNames: ["Gold", "Nope"] }, now)).rejects.toMatchObject({ code: "unknown_tag", message: 'Unknown tag: "Nope"' });
    await expect(tagContacts(t.db, { contactIds: [c.id], tagIds: ["00000000-0000-4000-8000-000000000000"] }, now)).rejects.toMatchObject({ code: "unknown_tag" });
    await expect(tagContact(t.db, { contactId: "00000000-0000-4000-8000-000000000000", tagNames: ["Fresh"] }, now)).rejects.toMatchObject({ code: "not_found" });
    // The refused calls created nothing.
    expect((await listTags(t.db)).map((x) => x.name)).not.toContain("Fresh");
    expect((await listTags(t.db)).map((x) => x.name)).not.toContain("Nope");
  });

  it("bulk-tags and untags a selection in one statement each; unknown contact ids are ignored", async () => {
    const a = await createContact(t.db, { email: "a@bulk.test" });
    const b = await createContact(t.db, { email: "b@bulk.test" });
    const { tags, added } = await tagContacts(t.db, { contactIds: [a.id, b.id, "00000000-0000-4000-8000-000000000000"], tagNames: ["Bulk1", "Bulk2"], createMissing: true }, now);
    expect(added).toBe(4);
    expect((await tagContacts(t.db, { contactIds: [a.id, b.id], tagIds: tags.map((x) => x.id) }, now)).added).toBe(0);
    const { removed } = await untagContacts(t.db, { contactIds: [a.id, b.id], tagIds: [tags[0].id] }, now);
    expect(removed).toBe(2);
    const byContact = await tagsOfContacts(t.db, [a.id, b.id]);
    expect(byContact.get(a.id)).toEqual([{ id: tags[1].id, name: "Bulk2" }]);
    expect(byContact.get(b.id)).toEqual([{ id: tags[1].id, name: "Bulk2" }]);
  });

  it("filters the contacts table by a tag, alone or with a list and a search; an unknown tag matches no one", async () => {
    const x = await createContact(t.db, { email: "x@filter-tag.test", name: "Ximena" });
    const y = await createContact(t.db, { email: "y@filter-tag.test" });
    await createContact(t.db, { email: "z@filter-tag.test" });
    const { tags } = await tagContacts(t.db, { contactIds: [x.id, y.id], tagNames: ["FilterMe"], createMissing: true }, now);
    const found = await searchContacts(t.db, { tagId: tags[0].id, limit: 1 });
    expect(found.total).toBe(2);
    expect(found.next).not.toBeNull();
    const rest = await searchContacts(t.db, { tagId: tags[0].id, after: found.next, limit: 1 });
    expect([...found.rows, ...rest.rows].map((c) => c.email).sort()).toEqual(["x@filter-tag.test", "y@filter-tag.test"]);
    expect((await searchContacts(t.db, { tagId: tags[0].id, search: "ximena" })).rows.map((c) => c.email)).toEqual(["x@filter-tag.test"]);
    expect((await searchContacts(t.db, { tagId: "00000000-0000-4000-8000-000000000000" })).total).toBe(0);
  });

  it("untagging one contact: unknown contact or tag is not_found, a tag it does not carry changes nothing", async () => {
    const c = await createContact(t.db, { email: "one@untag.test" });
    const [x, y] = await tagContact(t.db, { contactId: c.id, tagNames: ["X1", "Y1"] }, now);
    expect(await untagContact(t.db, { contactId: c.id, tagId: x.id }, now)).toEqual([y]);
    expect(await untagContact(t.db, { contactId: c.id, tagId: x.id }, now)).toEqual([y]);
    await expect(untagContact(t.db, { contactId: c.id, tagId: "00000000-0000-4000-8000-000000000000" }, now)).rejects.toMatchObject({ code: "not_found", message: "Tag not found" });
    await expect(untagContact(t.db, { contactId: "00000000-0000-4000-8000-000000000000", tagId: x.id }, now)).rejects.toMatchObject({ code: "not_found", message: "Contact not found" });
  });

  it("deleting a tag or erasing a contact takes the taggings with it", async () => {
    const c = await createContact(t.db, { email: "gone@tags.test" });
    const d = await createContact(t.db, { email: "stays@tags.test" });
    const [doomed, kept] = await tagContact(t.db, { contactId: c.id, tagNames: ["Doomed", "Kept"] }, now);
    await tagContacts(t.db, { contactIds: [d.id], tagIds: [doomed.id, kept.id] }, now);
    expect(await deleteTag(t.db, { id: doomed.id }, now)).toEqual({ name: "Doomed", contacts: 2 });
    await expect(deleteTag(t.db, { id: doomed.id }, now)).rejects.toMatchObject({ code: "not_found" });
    expect(await listContactTags(t.db, d.id)).toEqual([{ id: kept.id, name: "Kept" }]);
    await eraseContact(t.db, { contactId: c.id, actor: "a test" }, now);
    const [row] = (await t.db.execute<{ n: number }>(sql`select count(*)::int as n from contact_tags where tag_id = ${kept.id}::uuid`)).rows;
    expect(row.n).toBe(1);
  });
});

describe("Contact.Tagged and Contact.Untagged (real PostgreSQL)", () => {
  it("announce nothing while no active endpoint subscribes", async () => {
    await clearOutbox();
    const c = await createContact(t.db, { email: "quiet@events.test" });
    await tagContact(t.db, { contactId: c.id, tagNames: ["Quiet"] }, now);
    expect(await announced("Contact.Tagged")).toEqual([]);
  });

  it("announce each real change, in the same transaction, and nothing for a change that was not one", async () => {
    await t.db.insert(webhookEndpoints).values({ url: "https://hooks.example.com/tags", events: ["Contact.Tagged", "Contact.Untagged"], status: "active", rateLimit: 10, rateLimitPeriod: "second", secret: "s".repeat(40), verificationToken: "v" });
    await clearOutbox();
    const c = await createContact(t.db, { email: "Ada@Events.test" });
    const [tag] = await tagContact(t.db, { contactId: c.id, tagNames: ["Speakers"] }, now);
    expect(await announced("Contact.Tagged")).toEqual([{ contact_id: c.id, email: "Ada@Events.test", tag: { id: tag.id, name: "Speakers" }, tagged_at: "2026-03-01T10:00:00.000Z" }]);
    // The test tool's sample has the real payload's shape.
    const sample = sampleEventData("Contact.Tagged", now);
    expect(Object.keys(sample).sort()).toEqual(Object.keys((await announced("Contact.Tagged"))[0]).sort());
    expect(Object.keys(sampleEventData("Contact.Untagged", now)).sort()).toEqual(["contact_id", "email", "tag", "untagged_at"]);

    // Already tagged: nothing new.
    await tagContact(t.db, { contactId: c.id, tagNames: ["speakers"] }, now);
    expect(await announced("Contact.Tagged")).toHaveLength(1);

    const later = new Date("2026-03-02T08:00:00.000Z");
    await untagContact(t.db, { contactId: c.id, tagId: tag.id }, later);
    await untagContact(t.db, { contactId: c.id, tagId: tag.id }, later);
    expect(await announced("Contact.Untagged")).toEqual([{ contact_id: c.id, email: "Ada@Events.test", tag: { id: tag.id, name: "Speakers" }, untagged_at: "2026-03-02T08:00:00.000Z" }]);

    // A rolled-back change announces nothing.
    await expect(
      t.db.transaction(async (tx) => {
        await tagContacts(tx, { contactIds: [c.id], tagIds: [tag.id] }, now);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await announced("Contact.Tagged")).toHaveLength(1);
    expect(await listContactTags(t.db, c.id)).toEqual([]);

    // Deleting a tag announces Contact.Untagged for each contact that carried it, with the tag's name.
    const d = await createContact(t.db, { email: "d@events.test" });
    await tagContacts(t.db, { contactIds: [c.id, d.id], tagIds: [tag.id] }, now);
    expect(await announced("Contact.Tagged")).toHaveLength(3);
    await deleteTag(t.db, { id: tag.id }, later);
    const untagged = await announced("Contact.Untagged");
    expect(untagged).toHaveLength(3);
    // All three happened at the same instant (the untag above and the two of the delete), so in no set order.
    expect(untagged.map((e) => [e.email, (e.tag as { name: string }).name]).sort()).toEqual([["Ada@Events.test", "Speakers"], ["Ada@Events.test", "Speakers"], ["d@events.test", "Speakers"]]);
  });
});
