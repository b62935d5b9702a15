import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signInAndWait } from "./helpers";

const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
const SCREENSHOTS = "test-results/screenshots";
const COUNT = 260;

test.describe.configure({ timeout: 240_000 });

async function noSidewaysScroll(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${page.url()} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

test("/contacts at scale: pages, searches, filters, bulk-adds to a list, edits a contact's lists, renames and deletes a list, deletes contacts; fits a phone", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  const listA = (await (await request.post("/api/v1/lists", { headers: auth, data: { name: `Scale A ${tag}` } })).json()).data;
  const listB = (await (await request.post("/api/v1/lists", { headers: auth, data: { name: `Scale B ${tag}` } })).json()).data;
  const people = Array.from({ length: COUNT }, (_, i) => ({
    email: `s${i}-${tag}@scale.postline.test`,
    name: `Scaler ${tag} ${i}`,
    fields: { tier: i % 3 ? "silver" : "gold", code: `code${i}x${tag}` },
    list_ids: i % 2 ? [] : [listA.id],
  }));
  const created = await request.post("/api/v1/contacts", { headers: auth, data: people });
  expect(created.status()).toBe(200);
  expect((await created.json()).data.created).toBe(COUNT);
  // Three unsubscribe, through the API.
  const byEmail = async (email: string) => (await (await request.get(`/api/v1/contacts?search=${encodeURIComponent(email)}`, { headers: auth })).json()).data[0] as { id: string };
  for (const i of [1, 2, 3]) {
    const c = await byEmail(`s${i}-${tag}@scale.postline.test`);
    expect((await request.patch(`/api/v1/contacts/${c.id}`, { headers: auth, data: { status: "unsubscribed" } })).status()).toBe(200);
  }

  await page.setViewportSize({ width: 1280, height: 900 });
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto("/contacts");
  const filters = page.getByRole("search", { name: "Search and filter contacts" });
  const rows = page.getByTestId("contact-row");
  const count = page.getByTestId("contacts-count");
  const pager = page.getByRole("navigation", { name: "Pages" });

  // Search by the tag (in every address), typed and submitted with Enter.
  await filters.getByLabel("Search").fill(tag);
  await filters.getByLabel("Search").press("Enter");
  await expect(count).toHaveText(`${COUNT} contacts match · page 1 of 6`);
  await expect(rows).toHaveCount(50);
  // Custom fields are columns of their own, not JSON.
  const table = page.getByRole("table", { name: "Contacts" });
  await expect(table.getByRole("columnheader", { name: "tier" })).toBeVisible();
  await expect(table.getByRole("columnheader", { name: "code" })).toBeVisible();
  await expect(table).not.toContainText('{"');

  // Page through everything: the mouse for "Older", the keyboard for the next one, each row exactly once.
  const seen = new Set<string>();
  const collect = async () => {
    for (const text of await rows.locator("td:nth-child(2)").allInnerTexts()) seen.add(text.trim());
  };
  await collect();
  const firstPage = await rows.first().innerText();
  await pager.getByRole("link", { name: "Older →" }).click();
  await expect(count).toContainText("page 2 of 6");
  expect(await rows.first().innerText()).not.toBe(firstPage);
  await collect();
  for (let p = 3; p <= 6; p++) {
    await pager.getByRole("link", { name: "Older →" }).focus();
    await page.keyboard.press("Enter");
    await expect(count).toContainText(`page ${p} of 6`);
    await collect();
  }
  await expect(pager.getByRole("link", { name: "Older →" })).toHaveCount(0);
  await expect(rows).toHaveCount(COUNT - 5 * 50);
  expect(seen.size).toBe(COUNT);
  await pager.getByRole("link", { name: "← Newer" }).click();
  await expect(count).toContainText("page 5 of 6");
  await pager.getByRole("link", { name: "« Newest" }).click();
  await expect(count).toContainText("page 1 of 6");
  expect(await rows.first().innerText()).toBe(firstPage);

  // Search by name and by a custom field's value.
  await filters.getByLabel("Search").fill(`SCALER ${tag} 217`);
  await filters.getByRole("button", { name: "Search" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`s217-${tag}@scale.postline.test`);
  await filters.getByLabel("Search").fill(`code42x${tag}`);
  await filters.getByRole("button", { name: "Search" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`s42-${tag}@`);

  // Filters: status, then list (with the search).
  await filters.getByLabel("Search").fill(tag);
  await filters.getByLabel("Status").selectOption("unsubscribed");
  await filters.getByRole("button", { name: "Search" }).click();
  await expect(count).toHaveText("3 contacts match");
  await filters.getByLabel("Status").selectOption("");
  await filters.getByLabel("List").selectOption({ label: `Scale A ${tag}` });
  await filters.getByRole("button", { name: "Search" }).click();
  await expect(count).toContainText(`${COUNT / 2} contacts match`);
  await expect(page.getByRole("heading", { name: `Contacts in “Scale A ${tag}”` })).toBeVisible();

  // Bulk: select the whole page with the keyboard, leave one out with the mouse, add them to list B.
  await page.goto(`/contacts?q=${tag}`);
  const bulk = page.getByRole("form", { name: "Bulk actions on selected contacts" });
  await bulk.getByLabel("Select all on this page").focus();
  await page.keyboard.press("Space");
  await expect(bulk.getByText("50 selected")).toBeVisible();
  const leftOut = (await rows.nth(4).locator("td:nth-child(2)").innerText()).trim();
  await rows.nth(4).getByRole("checkbox").click();
  await expect(bulk.getByText("49 selected")).toBeVisible();
  await expect(bulk.getByLabel("Select all on this page")).not.toBeChecked();
  await bulk.getByLabel("Action").selectOption("add_to_list");
  await bulk.getByLabel("List").selectOption({ label: `Scale B ${tag}` });
  await bulk.getByRole("button", { name: "Apply to selected" }).click();
  await expect(bulk.getByRole("status")).toHaveText(`49 contacts added to "Scale B ${tag}".`);
  await expect(bulk.getByText("0 selected")).toBeVisible();
  await page.goto(`/contacts?list=${listB.id}`);
  await expect(count).toHaveText("49 contacts match");
  await expect(page.getByRole("table", { name: "Contacts" })).not.toContainText(leftOut);

  // A contact's lists, shown and edited on its page.
  await rows.first().getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`-${tag}@scale.postline.test`);
  const contactUrl = page.url();
  const listsForm = page.getByRole("form", { name: "Lists of this contact" });
  await expect(listsForm.getByLabel(`Scale B ${tag}`)).toBeChecked();
  await listsForm.getByLabel(`Scale B ${tag}`).uncheck();
  await listsForm.getByLabel(`Scale A ${tag}`).check();
  await listsForm.getByRole("button", { name: "Save lists" }).click();
  await expect(listsForm.getByRole("status")).toHaveText("Lists saved.");
  await page.reload();
  await expect(page.getByText(`In Scale A ${tag}.`)).toBeVisible();
  await expect(page.getByRole("form", { name: "Lists of this contact" }).getByLabel(`Scale B ${tag}`)).not.toBeChecked();

  // Rename list B, then delete it: its contacts stay.
  await page.goto("/contacts");
  const lists = page.getByRole("list", { name: "Lists" });
  await lists.getByRole("button", { name: `Rename Scale B ${tag}` }).click();
  const rename = page.getByRole("form", { name: `Rename Scale B ${tag}` });
  await rename.getByLabel("New name").fill(`Scale Renamed ${tag}`);
  await rename.getByRole("button", { name: "Save name" }).click();
  await expect(lists.getByRole("link", { name: `Scale Renamed ${tag}` })).toBeVisible();
  const renamed = lists.getByRole("listitem").filter({ has: page.getByRole("link", { name: `Scale Renamed ${tag}` }) });
  await expect(renamed).toContainText("subscribed of 48");
  page.once("dialog", (d) => d.accept());
  await renamed.getByRole("button", { name: `Delete Scale Renamed ${tag}` }).click();
  await expect(page.getByText(`List "Scale Renamed ${tag}" deleted; its 48 contacts stay.`)).toBeVisible();
  await expect(lists.getByRole("link", { name: `Scale Renamed ${tag}` })).toHaveCount(0);
  await page.goto(`/contacts?q=${tag}`);
  await expect(count).toContainText(`${COUNT} contacts match`);

  // Delete one contact from its page: erased, and gone from the API.
  await page.goto(contactUrl);
  const erasedId = contactUrl.split("/").pop()!;
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete and erase contact" }).click();
  await expect(page).toHaveURL(/\/contacts\?erased=1$/);
  await expect(page.getByRole("status").filter({ hasText: "Contact deleted" })).toBeVisible();
  expect((await request.get(`/api/v1/contacts/${erasedId}`, { headers: auth })).status()).toBe(404);

  // Bulk delete two.
  await page.goto(`/contacts?q=${tag}`);
  await expect(count).toContainText(`${COUNT - 1} contacts match`);
  await rows.nth(0).getByRole("checkbox").check();
  await rows.nth(1).getByRole("checkbox").check();
  await bulk.getByLabel("Action").selectOption("delete");
  page.once("dialog", (d) => d.accept());
  await bulk.getByRole("button", { name: "Apply to selected" }).click();
  await expect(bulk.getByRole("status")).toHaveText("2 contacts deleted and erased.");
  await expect(count).toContainText(`${COUNT - 3} contacts match`);

  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/contacts-scale-1280.png`, fullPage: true });
  await rows.first().getByRole("link").click();
  await page.screenshot({ path: `${SCREENSHOTS}/contacts-scale-contact-1280.png`, fullPage: true });

  // A phone: no sideways scroll; the table scrolls inside its card.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/contacts?q=${tag}`);
  await expect(rows).toHaveCount(50);
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${SCREENSHOTS}/contacts-scale-390.png`, fullPage: true });
  await rows.first().getByRole("link").click();
  await expect(page.getByRole("form", { name: "Lists of this contact" })).toBeVisible();
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${SCREENSHOTS}/contacts-scale-contact-390.png`, fullPage: true });
});
