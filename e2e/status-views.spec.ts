import { expect, test, type APIRequestContext } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signInAndWait, uniqueEmail } from "./helpers";

const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };

async function sentCampaign(request: APIRequestContext, tag: string) {
  // Local parts force each recipient's outcome in the Postmark sandbox, which posts real webhooks back.
  const outcomes = [...Array(20).fill("click"), ...Array(20).fill("open"), ...Array(15).fill("delivered"), ...Array(5).fill("hardbounce")];
  const list = await (await request.post("/api/v1/lists", { headers: auth, data: { name: `views ${tag}` } })).json();
  const contacts = outcomes.map((o, i) => ({ email: `${o}+${tag}-${String(i).padStart(2, "0")}@views.postline.test`, name: `R${i}`, list_ids: [list.data.id] }));
  expect((await request.post("/api/v1/contacts", { headers: auth, data: contacts })).status()).toBe(200);
  const campaign = await (await request.post("/api/v1/campaigns", { headers: auth, data: { name: `Views ${tag}`, subject: "Hi", html: '<p><a href="https://example.com/offer">Offer</a></p>', list_ids: [list.data.id] } })).json();
  expect((await request.post(`/api/v1/campaigns/${campaign.data.id}/send`, { headers: auth })).status()).toBe(202);
  await expect
    .poll(async () => (await (await request.get(`/api/v1/campaigns/${campaign.data.id}`, { headers: auth })).json()).data.stats, { timeout: 150_000 })
    .toMatchObject({ sent: 60, delivered: 55, opened: 40, clicked: 20, bounced: 5 });
  return campaign.data.id as string;
}

test.describe.configure({ timeout: 240_000 });

test("/campaigns/{id}: each recipient shows the status its webhooks reported; filters, paging and the message timeline work", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  const id = await sentCampaign(request, tag);
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto(`/campaigns/${id}`);
  const rows = page.getByTestId("recipient-row");
  await expect(rows).toHaveCount(50);
  await page.getByRole("link", { name: "Next page →" }).click();
  await expect(rows).toHaveCount(10);
  await expect(page).toHaveURL(/after=/);

  const filters = page.getByRole("navigation", { name: "Filter recipients" });
  await filters.getByRole("link", { name: "Clicked", exact: true }).click();
  await expect(rows).toHaveCount(20);
  for (const text of await rows.allTextContents()) expect(text).toMatch(/^click\+.*clicked/);
  await filters.getByRole("link", { name: "Unopened" }).click();
  await expect(rows).toHaveCount(15);
  for (const text of await rows.allTextContents()) expect(text).toMatch(/^delivered\+.*delivered/);
  await filters.getByRole("link", { name: "Bounced" }).click();
  await expect(rows).toHaveCount(5);
  // The view is in the URL, so it can be shared.
  expect(page.url()).toContain("filter=bounced");

  const search = page.getByRole("form", { name: "Search recipients" });
  await page.goto(`/campaigns/${id}`);
  await search.getByLabel("Search by address").fill(`click+${tag}-03`);
  await search.getByRole("button", { name: "Apply" }).click();
  await expect(rows).toHaveCount(1);
  await rows.first().getByRole("link").click();

  await expect(page.getByTestId("postmark-message-id")).toHaveText(/^[0-9a-f-]{36}$/);
  await expect(page.getByText("webhook").first()).toBeVisible();
  const click = page.locator("li", { hasText: "Clicked" }).first();
  await click.getByText("Raw JSON as received").click();
  await expect(click.getByTestId("raw-json")).toContainText('"RecordType": "Click"');
  await expect(click.getByTestId("raw-json")).toContainText('"OriginalLink": "https://example.com/offer"');
  await expect(page.getByRole("button", { name: "Resync from Postmark" })).toBeVisible();
  await page.getByRole("button", { name: "Resync from Postmark" }).click();
  await expect(page.getByText("Already up to date with Postmark.")).toBeVisible();

  // The export has the same filtered rows.
  const csv = await (await page.request.get(`/campaigns/${id}/export?filter=clicked`)).text();
  expect(csv.trim().split("\r\n")).toHaveLength(21);
});

test("a marketer sees no resync button and cannot call the resync route", async ({ page, browser, request }) => {
  const tag = Date.now().toString(36) + "m";
  const list = await (await request.post("/api/v1/lists", { headers: auth, data: { name: `m ${tag}` } })).json();
  await request.post("/api/v1/contacts", { headers: auth, data: [{ email: `delivered+${tag}@views.postline.test`, list_ids: [list.data.id] }] });
  const message = await (await request.post("/api/v1/emails", { headers: auth, data: { to: `delivered+${tag}@views.postline.test`, subject: "One", text: "Hello" } })).json();
  // The sandbox's Delivery webhook can be ingested before the API reads the message back.
  expect(["sent", "delivered"]).toContain(message.data.status);

  const email = uniqueEmail("viewer");
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto("/settings");
  const userForm = page.getByRole("form", { name: "Create a user" });
  await userForm.getByLabel("Email").fill(email);
  await userForm.getByLabel("Initial password").fill("viewer-password-1");
  await userForm.getByRole("button", { name: "Create user" }).click();
  const keyForm = page.getByRole("form", { name: "Create an API key" });
  await keyForm.getByLabel("Key name").fill("viewer key");
  await keyForm.getByRole("button", { name: "Create key" }).click();
  const marketerKey = (await page.getByTestId("new-api-key").textContent())!.trim();

  const context = await browser.newContext();
  const marketer = await context.newPage();
  await signInAndWait(marketer, email, "viewer-password-1");
  await marketer.goto(`/messages/${message.data.id}`);
  await expect(marketer.getByTestId("postmark-message-id")).toHaveText(message.data.postmark_message_id);
  await expect(marketer.getByRole("button", { name: "Resync from Postmark" })).toHaveCount(0);
  await context.close();

  const denied = await request.post(`/api/v1/messages/${message.data.id}/resync`, { headers: { authorization: `Bearer ${marketerKey}` } });
  expect(denied.status()).toBe(403);
  const allowed = await request.post(`/api/v1/messages/${message.data.id}/resync`, { headers: auth });
  expect(allowed.status()).toBe(200);
});
