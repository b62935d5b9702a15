import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createContact, getContact } from "@/lib/contacts/contacts";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { actionContext, formOf } from "@/lib/tooling/testing/server-actions";
import { createUser } from "@/lib/users/users";
import { createContactAction, createListAction, setContactSubscriptionAction, updateContactAction } from "./actions";

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
