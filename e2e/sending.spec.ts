import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { expectAccessible, signInAndWait } from "./helpers";

test("/contacts → /campaigns: import contacts, compose with a live preview, send, and watch progress reach the end", async ({ page }) => {
  const tag = Date.now().toString(36);
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);

  // A list, then a CSV import into it with a per-row report.
  await page.goto("/contacts");
  const listForm = page.getByRole("form", { name: "Create a list" });
  await listForm.getByLabel("New list name").fill(`Readers ${tag}`);
  await listForm.getByRole("button", { name: "Create list" }).click();
  await expect(page.getByText(`List "Readers ${tag}" created.`)).toBeVisible();

  const rows = ["email,name,city"];
  for (let i = 0; i < 120; i++) rows.push(`delivered+${tag}-${i}@e2e.postline.test,Reader ${i},City ${i % 3}`);
  rows.push("not-an-address,Broken,Nowhere");
  await page.getByRole("link", { name: "Import a CSV file" }).click();
  const importForm = page.getByRole("form", { name: "Import contacts" });
  await importForm.getByLabel("CSV file").setInputFiles({ name: "readers.csv", mimeType: "text/csv", buffer: Buffer.from(rows.join("\n")) });
  await expect(importForm.getByRole("table", { name: "Import preview" })).toBeVisible();
  await importForm.getByLabel("Add to list").selectOption({ label: `Readers ${tag}` });
  await importForm.getByRole("button", { name: "Import" }).click();
  const report = page.getByTestId("import-summary");
  await expect(report).toContainText("121 rows read: 120 new contacts, 0 existing updated, 1 skipped (1 invalid address).");
  await expect(report).toContainText("Not a valid email address");

  // Compose: the preview follows the typing, personalised with a sample contact.
  await page.goto("/campaigns/new");
  const form = page.getByRole("form", { name: "Campaign" });
  await form.getByLabel("Campaign name").fill(`Launch ${tag}`);
  await form.getByLabel("Subject").fill("Hello {{ name }}");
  await expect(page.getByTestId("preview-subject")).toHaveText("Hello Ada Lovelace");
  // This flow writes HTML by hand (the rich-text editor has its own spec, e2e/composer.spec.ts).
  await form.getByRole("button", { name: "HTML", exact: true }).click();
  await form.getByLabel("HTML body").fill("<h1>News for {{ fields.city | default: \"you\" }}</h1><p>Hi {{ name }}</p>");
  await expect(page.frameLocator('iframe[title="Email preview"]').getByRole("heading")).toHaveText("News for London");
  await form.getByLabel("HTML body").fill("<p>{{ first_name }}</p>");
  await expect(page.getByText('Unknown personalization variable "first_name"')).toBeVisible();
  await form.getByLabel("HTML body").fill("<h1>News for {{ fields.city | default: \"you\" }}</h1><p>Hi {{ name }}</p>");
  await form.getByLabel("Contacts in these lists").check();
  await form.getByLabel(new RegExp(`Readers ${tag}`)).check();
  await form.getByRole("button", { name: "Save draft" }).click();

  // The campaign page counts the audience before sending, then shows progress to the end.
  await expect(page.getByRole("heading", { name: `Launch ${tag}`, level: 1 })).toBeVisible();
  await expect(page.getByTestId("audience-count")).toContainText("120 recipients");
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Send now to 120" }).click();
  const progress = page.getByRole("progressbar", { name: /Sending|Handed to Postmark/ });
  await expect(progress).toHaveAttribute("aria-valuenow", "120", { timeout: 30_000 });
  await expect(page.getByTestId("campaign-status")).toHaveText("sent", { timeout: 30_000 });

  // Sending twice is refused by the API as a conflict.
  const id = page.url().split("/").pop();
  const again = await page.request.post(`/api/v1/campaigns/${id}/send`, { headers: { authorization: `Bearer ${E2E.bootstrapApiKey}` } });
  expect(again.status()).toBe(409);
  expect((await again.json()).error.code).toBe("already_sent");
});

test("/u/{token}: a forged unsubscribe token is refused, on a page a phone reads and axe accepts", async ({ request, page }) => {
  const response = await request.get("/u/AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA");
  expect(response.status()).toBe(404);
  const post = await request.post("/u/forged", { data: "List-Unsubscribe=One-Click", headers: { "content-type": "application/x-www-form-urlencoded" } });
  expect(post.status()).toBe(404);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/u/AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA");
  await expect(page.getByRole("heading", { name: "Link not valid", level: 1 })).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/unsubscribe-invalid-390.png", fullPage: true });
  await expectAccessible(page);
});

test("/messages/new: a single email to a contact is personalized and tracked; a refused one keeps what was typed", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  const to = `delivered+single-${tag}@e2e.postline.test`;
  const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
  expect((await request.post("/api/v1/contacts", { headers: auth, data: { email: to, name: `Ada ${tag}` } })).status()).toBe(201);
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);

  await page.goto("/messages/new");
  const form = page.getByRole("form", { name: "Send an email" });
  await expect(form.getByLabel("Track opens")).toBeChecked();
  await expect(form.getByLabel("Track link clicks")).toBeChecked();
  await form.getByLabel("To", { exact: true }).fill(to);
  await form.getByLabel("Subject").fill("Hello {{ first_name }}");
  await form.getByLabel("Plain-text body").fill("Dear {{ name }}, see https://postline.test/x");
  await form.getByLabel("Track opens").uncheck();
  await form.getByRole("button", { name: "Send" }).click();
  await expect(form.getByText('subject: Unknown personalization variable "first_name"').first()).toBeVisible();
  // Nothing typed is lost, the unticked box included.
  await expect(form.getByLabel("To", { exact: true })).toHaveValue(to);
  await expect(form.getByLabel("Plain-text body")).toHaveValue("Dear {{ name }}, see https://postline.test/x");
  await expect(form.getByLabel("Track opens")).not.toBeChecked();

  await form.getByLabel("Subject").fill("Hello {{ name }}");
  await form.getByRole("button", { name: "Send" }).click();
  // Sent at once, or queued when a sending worker (the resume at start, an earlier send's follow-up)
  // claimed it first: either way it goes out once, rendered.
  await expect(form.getByRole("status")).toContainText(new RegExp(`^(Sent to|Queued for) ${to.replace(/[.+]/g, "\\$&")}`));
  await form.getByRole("link", { name: "Open the message" }).click();
  await expect(page.getByRole("heading", { name: to, level: 1 })).toBeVisible();
  // The subject the recipient received, personalized (under the heading and in the details).
  await expect(page.getByText(`Hello Ada ${tag}`, { exact: true }).first()).toBeVisible();
  await expect(page.getByText("links only", { exact: true })).toBeVisible();
});
