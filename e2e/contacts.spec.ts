import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { expectAccessible, signInAndWait, uniqueEmail } from "./helpers";

const SCREENSHOTS = "test-results/screenshots";

async function noSidewaysScroll(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${page.url()} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

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

test("tags: a contact is tagged on its page with the keyboard, two are tagged in bulk, one untagged; the API agrees", async ({ page, request }) => {
  const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
  const run = Date.now().toString(36);
  const emails = [uniqueEmail(`tags-a-${run}`), uniqueEmail(`tags-b-${run}`)];
  const ids: string[] = [];
  for (const email of emails) {
    const created = await request.post("/api/v1/contacts", { headers: auth, data: { email } });
    expect(created.status()).toBe(201);
    ids.push(((await created.json()) as { data: { id: string } }).data.id);
  }
  const tagsOf = async (id: string) =>
    ((await (await request.get(`/api/v1/contacts/${id}/tags`, { headers: auth })).json()) as { data: { name: string }[] }).data.map((t) => t.name).sort();

  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto(`/contacts/${ids[0]}`);
  const addTags = page.getByRole("form", { name: "Add tags" });
  await addTags.getByLabel("Add tags").focus();
  await page.keyboard.type(`vip-${run}, beta-${run}`);
  await page.keyboard.press("Enter");
  await expect(addTags.getByRole("status")).toContainText(`Tagged "vip-${run}", "beta-${run}".`);
  const chips = page.getByRole("list", { name: "Tags of this contact" });
  await expect(chips.getByRole("listitem")).toHaveText([`beta-${run}`, `vip-${run}`].map((t) => new RegExp(t)));
  // Each chip's remove button is reachable with Tab and named for its tag.
  await addTags.getByLabel("Add tags").focus();
  await page.keyboard.press("Shift+Tab");
  await expect(chips.getByRole("button", { name: `Remove tag vip-${run}` })).toBeFocused();
  expect(await tagsOf(ids[0])).toEqual([`beta-${run}`, `vip-${run}`]);
  await expectAccessible(page);

  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.screenshot({ path: `${SCREENSHOTS}/contact-tags-${width}.png`, fullPage: true });
    if (width === 390) await noSidewaysScroll(page);
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  // Bulk: both contacts get a new tag; the table shows it in its Tags column.
  await page.goto(`/contacts?q=${run}`);
  const bulk = page.getByRole("form", { name: "Bulk actions on selected contacts" });
  await bulk.getByLabel("Select all on this page").check();
  await expect(bulk.getByText("2 selected")).toBeVisible();
  await bulk.getByLabel("Action").selectOption("add_tag");
  await bulk.getByLabel("Tag").fill(`bulk-${run}`);
  await bulk.getByRole("button", { name: "Apply to selected" }).click();
  await expect(bulk.getByRole("status")).toContainText(`2 contacts tagged "bulk-${run}".`);
  const rows = page.getByRole("table", { name: "Contacts" }).getByTestId("contact-row");
  await expect(rows.filter({ hasText: `bulk-${run}` })).toHaveCount(2);
  await expectAccessible(page);
  expect(await tagsOf(ids[1])).toEqual([`bulk-${run}`]);

  // Remove it from one of them in bulk.
  await rows.filter({ hasText: emails[1] }).getByRole("checkbox").check();
  await bulk.getByLabel("Action").selectOption("remove_tag");
  await bulk.getByLabel("Tag").selectOption({ label: `bulk-${run}` });
  await bulk.getByRole("button", { name: "Apply to selected" }).click();
  await expect(bulk.getByRole("status")).toContainText(`"bulk-${run}" removed from 1 contact.`);
  expect(await tagsOf(ids[1])).toEqual([]);
  expect(await tagsOf(ids[0])).toEqual([`beta-${run}`, `bulk-${run}`, `vip-${run}`]);

  // The contact page removes a tag with the keyboard.
  await page.goto(`/contacts/${ids[0]}`);
  await chips.getByRole("button", { name: `Remove tag vip-${run}` }).focus();
  await page.keyboard.press("Enter");
  await expect(chips.getByRole("button", { name: `Remove tag vip-${run}` })).toHaveCount(0);
  expect(await tagsOf(ids[0])).toEqual([`beta-${run}`, `bulk-${run}`]);

  // The Tags card counts and renames.
  await page.goto("/contacts");
  const tagList = page.getByRole("list", { name: "Tags" });
  await expect(tagList.getByRole("listitem").filter({ hasText: `bulk-${run}` })).toContainText("1 contact");
  await tagList.getByRole("button", { name: `Rename tag bulk-${run}` }).click();
  const rename = tagList.getByRole("form", { name: `Rename tag bulk-${run}` });
  await rename.getByLabel("New name").fill(`renamed-${run}`);
  await rename.getByRole("button", { name: "Save name" }).click();
  await expect(tagList.getByText(`Renamed to "renamed-${run}".`)).toBeVisible();
  expect(await tagsOf(ids[0])).toEqual([`beta-${run}`, `renamed-${run}`]);

  // A tag's count opens the contacts carrying it; the Tag filter keeps it chosen.
  await tagList.getByRole("link", { name: `1 contact tagged renamed-${run}` }).click();
  await expect(page.getByRole("heading", { name: `Contacts tagged “renamed-${run}”` })).toBeVisible();
  await expect(page.getByLabel("Tag", { exact: true })).toHaveValue(/[0-9a-f-]{36}/);
  await expect(page.getByRole("table", { name: "Contacts" }).getByTestId("contact-row")).toHaveText([new RegExp(emails[0])]);
});
