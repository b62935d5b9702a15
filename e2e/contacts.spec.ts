import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signInAndWait, uniqueEmail } from "./helpers";

test("/contacts/{id}: a marketer edits name and custom fields, unsubscribes and resubscribes; the API sees each change", async ({ page, request }) => {
  const email = uniqueEmail("edit");
  const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
  const created = await request.post("/api/v1/contacts", { headers: auth, data: { email, name: "Grace", fields: { city: "Arlington" } } });
  expect(created.status()).toBe(201);
  const { data: contact } = (await created.json()) as { data: { id: string } };

  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto(`/contacts/${contact.id}`);
  const form = page.getByRole("form", { name: "Edit contact" });
  await form.getByLabel("Name", { exact: true }).fill("Grace Hopper");
  await form.getByLabel("Field 1 value").fill("New York");
  await form.getByRole("button", { name: "Add a field" }).click();
  await form.getByLabel("Field 2 name").fill("rank");
  await form.getByLabel("Field 2 value").fill("Rear Admiral");
  await form.getByRole("button", { name: "Save contact" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved.");

  // A bad field name is refused with a message, and nothing is saved.
  await form.getByRole("button", { name: "Add a field" }).click();
  await form.getByLabel("Field 3 name").fill("not ok");
  await form.getByLabel("Field 3 value").fill("x");
  await form.getByRole("button", { name: "Save contact" }).click();
  await expect(form.getByRole("alert")).toContainText("Field names are letters");
  // What was typed stays, and focus is on the refused name.
  await expect(form.getByLabel("Field 3 name")).toBeFocused();
  await expect(form.getByLabel("Field 3 name")).toHaveValue("not ok");
  await expect(form.getByLabel("Field 3 value")).toHaveValue("x");

  let api = (await (await request.get(`/api/v1/contacts/${contact.id}`, { headers: auth })).json()) as { data: { name: string; fields: Record<string, string>; status: string } };
  expect(api.data).toMatchObject({ name: "Grace Hopper", fields: { city: "New York", rank: "Rear Admiral" }, status: "subscribed" });

  await page.getByRole("button", { name: "Unsubscribe" }).click();
  await expect(page.getByText("Unsubscribed: no campaign will be sent to this address.")).toBeVisible();
  api = (await (await request.get(`/api/v1/contacts/${contact.id}`, { headers: auth })).json()) as typeof api;
  expect(api.data.status).toBe("unsubscribed");
  await page.getByRole("button", { name: "Subscribe again" }).click();
  await expect(page.getByText("Subscribed again.")).toBeVisible();

  // The API edits too; unknown keys and bad types are refused with 422.
  const patched = await request.patch(`/api/v1/contacts/${contact.id}`, { headers: auth, data: { name: "Amazing Grace" } });
  expect(patched.status()).toBe(200);
  expect((await request.patch(`/api/v1/contacts/${contact.id}`, { headers: auth, data: { nickname: "x" } })).status()).toBe(422);
  expect((await request.patch(`/api/v1/contacts/${contact.id}`, { headers: auth, data: { status: "bounced" } })).status()).toBe(422);
  expect((await request.patch(`/api/v1/contacts/00000000-0000-4000-8000-000000000000`, { headers: auth, data: { name: "x" } })).status()).toBe(404);
});
