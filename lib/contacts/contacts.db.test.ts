import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts, listMemberships } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createContact, createContactsBulk, createList, listLists } from "./contacts";
import { searchContacts } from "./search";
import { importContactsCsv } from "./import-csv";
import { setContactStatusByEmail } from "./test-support";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("contacts and lists (real PostgreSQL)", () => {
  it("creates a contact in lists; the same address in another case is a 409", async () => {
    const list = await createList(t.db, { name: "Newsletter" });
    const c = await createContact(t.db, { email: "Ann@Example.com", name: "Ann", fields: { city: "Oslo" }, list_ids: [list.id] });
    expect(c).toMatchObject({ email: "Ann@Example.com", status: "subscribed", fields: { city: "Oslo" } });
    await expect(createContact(t.db, { email: "ann@example.com" })).rejects.toMatchObject({ code: "contact_exists", status: 409 });
    await expect(createList(t.db, { name: "newsletter" })).rejects.toMatchObject({ code: "list_exists", status: 409 });
    const [stats] = (await listLists(t.db)).filter((l) => l.id === list.id);
    expect(stats).toMatchObject({ memberCount: 1, subscribedCount: 1 });
  });

  it("refuses unknown list ids without creating the contact", async () => {
    await expect(createContact(t.db, { email: "ghost@example.com", list_ids: ["00000000-0000-4000-8000-000000000000"] })).rejects.toMatchObject({ code: "unknown_list" });
    expect(await t.db.select().from(contacts).where(eq(contacts.email, "ghost@example.com"))).toHaveLength(0);
  });

  it("bulk upserts: creates, updates, keeps unsubscribed contacts unsubscribed, reports bad items", async () => {
    await createContact(t.db, { email: "gone@example.com", name: "Gone" });
    await setContactStatusByEmail(t.db, { email: "gone@example.com", status: "unsubscribed", reason: "test" });
    const result = await createContactsBulk(t.db, [
      { email: "new1@example.com", name: "New" },
      { email: "GONE@example.com", name: "Gone Again", fields: { plan: "pro" } },
      { email: "broken" },
      { email: "new1@example.com" },
      42,
    ]);
    expect(result.created).toBe(1);
    expect(result.updated).toBe(1);
    expect(result.errors.map((e) => [e.index, e.code])).toEqual([[2, "validation_failed"], [3, "duplicate"], [4, "validation_failed"]]);
    const [gone] = await t.db.select().from(contacts).where(eq(contacts.email, "gone@example.com"));
    expect(gone).toMatchObject({ name: "Gone Again", status: "unsubscribed", fields: { plan: "pro" } });
  });

  it("imports 10,000 CSV rows into a list, then again idempotently", async () => {
    const list = await createList(t.db, { name: "Imported" });
    const lines = ["email,name,city"];
    for (let i = 0; i < 10_000; i++) lines.push(`user${i}@import.example.com,User ${i},City ${i % 7}`);
    lines.push("not-an-address,Bad,X");
    const bytes = new TextEncoder().encode(lines.join("\n"));
    const progress: number[] = [];
    const first = await importContactsCsv(t.db, bytes, { listId: list.id, onProgress: (p) => void (p.phase === "writing" && progress.push(p.processed)) });
    expect(first).toMatchObject({ totalRows: 10_001, created: 10_000, updated: 0 });
    expect(first.refused).toEqual([{ row: 10_002, email: "not-an-address", reason: "Not a valid email address", code: "invalid_email" }]);
    expect(progress.at(-1)).toBe(10_000);
    expect(progress.length).toBe(10);
    const again = await importContactsCsv(t.db, bytes, { listId: list.id });
    expect(again).toMatchObject({ created: 0, updated: 10_000 });
    expect(await t.db.$count(listMemberships, eq(listMemberships.listId, list.id))).toBe(10_000);
  });

  it("writes nothing when the target list does not exist", async () => {
    const bytes = new TextEncoder().encode("email\nnobody-1@x.example.com\n");
    await expect(importContactsCsv(t.db, bytes, { listId: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ status: 404 });
    expect(await t.db.select().from(contacts).where(eq(contacts.email, "nobody-1@x.example.com"))).toHaveLength(0);
  });

  it("searches by address fragment and filters by status", async () => {
    const found = (await searchContacts(t.db, { search: "new1@" })).rows;
    expect(found.map((c) => c.email)).toEqual(["new1@example.com"]);
    const unsub = (await searchContacts(t.db, { status: "unsubscribed" })).rows;
    expect(unsub.map((c) => c.email)).toContain("gone@example.com");
    // LIKE wildcards in the search are literal.
    expect((await searchContacts(t.db, { search: "%" })).rows).toHaveLength(0);
  });
});
