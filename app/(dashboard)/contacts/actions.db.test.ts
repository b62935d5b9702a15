import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createContact, getContact } from "@/lib/contacts/contacts";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { actionContext, formOf } from "@/lib/tooling/testing/server-actions";
import { listContactTags, listTags, tagsOfContacts } from "@/lib/contacts/tags";
import { createUser } from "@/lib/users/users";
import {
  bulkContactsAction,
  createContactAction,
  createListAction,
  deleteTagAction,
  renameTagAction,
  setContactSubscriptionAction,
  tagContactAction,
  untagContactAction,
  updateContactAction,
} from "./actions";

// Next's request context only (see lib/tooling/testing/server-actions.ts).
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("@/lib/app/session", async () => (await import("@/lib/tooling/testing/server-actions")).sessionStandIn);
vi.mock("@/lib/app/deps", async () => ({ getAppDb: (await import("@/lib/tooling/testing/server-actions")).appDb }));

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  actionContext.db = t.db;
  actionContext.user = await createUser(t.db, { email: "marketer@actions.test", password: "correct horse battery", role: "marketer" });
});
afterAll(() => t.drop());

describe("contact actions: bound ids and form input parsed strictly (issue 13.13)", () => {
  it("a forged bound contactId is 'Unknown contact', not a database error", async () => {
    for (const id of ["not-a-uuid", "------------------------------------", "00000000-0000-0000-0000-00000000000g", 42, null, { id: "x" }]) {
      await expect(updateContactAction(id, null, formOf({ name: "Eve" })), String(id)).resolves.toEqual({ ok: false, error: expect.stringContaining("Unknown contact") });
      await expect(setContactSubscriptionAction(id, null, formOf({ status: "unsubscribed" })), String(id)).resolves.toEqual({ ok: false, error: expect.stringContaining("Unknown contact") });
    }
  });

  it("a valid id of nobody is the form's not-found error", async () => {
    await expect(updateContactAction("8b0e7a34-3c1e-4c55-9a43-2f5b7c3e9d10", null, formOf({ name: "Eve" }))).resolves.toMatchObject({ ok: false, error: "Contact not found" });
  });

  it("a real contact is still updated", async () => {
    const contact = await createContact(t.db, { email: "ada@actions.test" });
    await expect(updateContactAction(contact.id, null, formOf({ name: "Ada", field_key: ["city"], field_value: ["London"] }))).resolves.toMatchObject({ ok: true });
    expect(await getContact(t.db, contact.id)).toMatchObject({ name: "Ada", fields: { city: "London" } });
  });

  it("a forged list id on the new-contact form is a field error", async () => {
    await expect(createContactAction(null, formOf({ email: "bob@actions.test", list_id: "------------------------------------" }))).resolves.toMatchObject({ ok: false, fieldErrors: expect.any(Object) });
    await expect(createListAction(null, formOf({ name: "" }))).resolves.toMatchObject({ ok: false, fieldErrors: expect.any(Object) });
  });
});

describe("tag actions (issue 16.3)", () => {
  it("the contact page tags by comma-separated names, creating missing tags, and removes one tag", async () => {
    const contact = await createContact(t.db, { email: "tagged@actions.test" });
    await expect(tagContactAction(contact.id, null, formOf({ tags: " vip, Beta ,, vip " }))).resolves.toMatchObject({ ok: true, message: 'Tagged "vip", "Beta".' });
    const tags = await listContactTags(t.db, contact.id);
    expect(tags.map((tag) => tag.name)).toEqual(["Beta", "vip"]);
    await expect(untagContactAction(contact.id, null, formOf({ tag_id: tags[0].id }))).resolves.toMatchObject({ ok: true });
    expect((await listContactTags(t.db, contact.id)).map((tag) => tag.name)).toEqual(["vip"]);
  });

  it("refuses no names, a too-long name, forged ids, with field errors or 'Unknown'", async () => {
    const contact = await createContact(t.db, { email: "refused@actions.test" });
    await expect(tagContactAction(contact.id, null, formOf({ tags: " , " }))).resolves.toMatchObject({ ok: false, fieldErrors: { tags: "Name at least one tag" } });
    await expect(tagContactAction(contact.id, null, formOf({ tags: "x".repeat(101) }))).resolves.toMatchObject({ ok: false, fieldErrors: { tags: expect.stringContaining("at most") } });
    await expect(tagContactAction("nope", null, formOf({ tags: "a" }))).resolves.toMatchObject({ ok: false, error: expect.stringContaining("Unknown contact") });
    await expect(untagContactAction(contact.id, null, formOf({ tag_id: "nope" }))).resolves.toMatchObject({ ok: false, error: expect.stringContaining("Unknown tag") });
    await expect(renameTagAction("nope", null, formOf({ name: "a" }))).resolves.toMatchObject({ ok: false, error: expect.stringContaining("Unknown tag") });
    await expect(deleteTagAction(null, formOf({ tag_id: "nope" }))).resolves.toMatchObject({ ok: false, error: expect.stringContaining("Unknown tag") });
    expect(await listContactTags(t.db, contact.id)).toEqual([]);
  });

  it("bulk add-tag and remove-tag on the selected contacts", async () => {
    const a = await createContact(t.db, { email: "bulk-a@actions.test" });
    const b = await createContact(t.db, { email: "bulk-b@actions.test" });
    await expect(bulkContactsAction(null, formOf({ action: "add_tag", contact_id: [a.id], tags: "Bulk" }))).resolves.toMatchObject({ ok: true });
    await expect(bulkContactsAction(null, formOf({ action: "add_tag", contact_id: [a.id, b.id], tags: "bulk" }))).resolves.toMatchObject({
      ok: true,
      message: '1 contact tagged "Bulk" (1 contact already had it).',
    });
    await expect(bulkContactsAction(null, formOf({ action: "add_tag", contact_id: [a.id], tags: "" }))).resolves.toMatchObject({ ok: false, fieldErrors: { tags: expect.any(String) } });
    const bulk = (await listTags(t.db)).find((tag) => tag.name === "Bulk")!;
    expect(bulk.contactCount).toBe(2);
    await expect(bulkContactsAction(null, formOf({ action: "remove_tag", contact_id: [a.id] }))).resolves.toMatchObject({ ok: false, fieldErrors: { tag_id: "Choose a tag" } });
    await expect(bulkContactsAction(null, formOf({ action: "remove_tag", contact_id: [a.id], tag_id: bulk.id }))).resolves.toMatchObject({ ok: true, message: '"Bulk" removed from 1 contact.' });
    const after = await tagsOfContacts(t.db, [a.id, b.id]);
    expect(after.get(a.id)).toBeUndefined();
    expect(after.get(b.id)?.map((tag) => tag.name)).toEqual(["Bulk"]);
  });

  it("renames (a taken name is a field error) and deletes a tag; its contacts stay", async () => {
    const contact = await createContact(t.db, { email: "rename@actions.test" });
    await tagContactAction(contact.id, null, formOf({ tags: "old, other" }));
    const old = (await listTags(t.db)).find((tag) => tag.name === "old")!;
    await expect(renameTagAction(old.id, null, formOf({ name: "OTHER" }))).resolves.toMatchObject({ ok: false, fieldErrors: { name: expect.stringContaining("already exists") } });
    await expect(renameTagAction(old.id, null, formOf({ name: "new" }))).resolves.toMatchObject({ ok: true, message: 'Renamed to "new".' });
    await expect(deleteTagAction(null, formOf({ tag_id: old.id }))).resolves.toMatchObject({ ok: true, message: 'Tag "new" deleted; its 1 contacts stay.' });
    expect((await listContactTags(t.db, contact.id)).map((tag) => tag.name)).toEqual(["other"]);
    expect(await getContact(t.db, contact.id)).not.toBeNull();
  });
});
