import fs from "node:fs";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { expectAccessible, signInAndWait } from "./helpers";

const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
/** One full-page PNG per page and width, for people to look at after a run. */
const SCREENSHOTS = "test-results/screenshots";

test.describe.configure({ timeout: 180_000 });

async function noSidewaysScroll(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${page.url()} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

/** The texts of one column, top to bottom. */
async function column(page: Page, table: string, index: number) {
  return page.getByRole("table", { name: table }).locator(`tbody tr td:nth-child(${index})`).allInnerTexts();
}

async function sentCampaign(request: APIRequestContext, tag: string) {
  const list = await (await request.post("/api/v1/lists", { headers: auth, data: { name: `Table ${tag}` } })).json();
  const contacts = ["delivered", "open", "click"].map((o) => ({ email: `${o}+${tag}@table.postline.test`, name: `Table ${o}`, list_ids: [list.data.id] }));
  expect((await request.post("/api/v1/contacts", { headers: auth, data: contacts })).status()).toBe(200);
  const campaign = await (await request.post("/api/v1/campaigns", { headers: auth, data: { name: `Table ${tag}`, subject: "Hi", html: "<p>Hello</p>", list_ids: [list.data.id] } })).json();
  expect((await request.post(`/api/v1/campaigns/${campaign.data.id}/send`, { headers: auth })).status()).toBe(202);
  await expect.poll(async () => (await (await request.get(`/api/v1/campaigns/${campaign.data.id}`, { headers: auth })).json()).data.stats.sent, { timeout: 60_000 }).toBe(3);
  return campaign.data.id as string;
}

test("DataTable: the webhooks list sorts in the browser, a search with no match offers to clear it, /messages pages by keyset both ways", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);

  // Sorting a whole set: three endpoints whose rate limits order differently as text and per second.
  const limits = [
    { name: "a", rate_limit: 5, rate_limit_period: "second" },
    { name: "b", rate_limit: 100, rate_limit_period: "minute" },
    { name: "c", rate_limit: 10, rate_limit_period: "hour" },
  ];
  for (const l of limits) {
    const res = await request.post("/api/v1/webhooks", { headers: auth, data: { event: "Email.Opened", url: `http://127.0.0.1:9/${tag}/${l.name}`, rate_limit: l.rate_limit, rate_limit_period: l.rate_limit_period } });
    expect(res.status()).toBe(201);
  }
  await page.goto("/webhooks");
  const endpoints = page.getByRole("table", { name: "Webhook endpoints" });
  const mine = async () => (await endpoints.locator("tbody tr").allInnerTexts()).filter((t) => t.includes(tag)).map((t) => t.match(new RegExp(`${tag}/(\\w)`))![1]);
  const rateHeader = endpoints.getByRole("columnheader", { name: "Rate limit" });
  await expect(rateHeader).toHaveAttribute("aria-sort", "none");
  // Numbers and times sort largest first on the first click, text A→Z.
  await rateHeader.getByRole("button").click();
  await expect(rateHeader).toHaveAttribute("aria-sort", "descending");
  expect(await mine()).toEqual(["a", "b", "c"]); // 5/second > 100/minute > 10/hour
  await rateHeader.getByRole("button").click();
  await expect(rateHeader).toHaveAttribute("aria-sort", "ascending");
  expect(await mine()).toEqual(["c", "b", "a"]);
  const endpointHeader = endpoints.getByRole("columnheader", { name: "Endpoint" });
  await endpointHeader.getByRole("button").click();
  await expect(endpointHeader).toHaveAttribute("aria-sort", "ascending");
  await expect(rateHeader).toHaveAttribute("aria-sort", "none");
  const urls = await column(page, "Webhook endpoints", 1);
  expect(urls).toEqual([...urls].sort(new Intl.Collator("en", { numeric: true, sensitivity: "base" }).compare));

  // Keyset-paged lists offer no client sorting: their headers are plain text.
  await page.goto("/messages");
  await expect(page.getByRole("table", { name: "Messages" }).or(page.getByText("No messages yet"))).toBeVisible();
  await expect(page.locator("th[aria-sort]")).toHaveCount(0);

  // The empty state: a friendly line and the action that fills the table again.
  await page.goto(`/contacts?q=nobody-${tag}`);
  await expect(page.getByText("No contacts match")).toBeVisible();
  await page.getByTestId("table-empty").getByRole("link", { name: "Clear the filter" }).click();
  await expect(page).toHaveURL(/\/contacts$/);

  // Keyset paging: 51 emails to one search, 50 to a page, and back again through the URL.
  for (let i = 0; i < 51; i += 17) {
    await Promise.all(
      Array.from({ length: Math.min(17, 51 - i) }, (_, k) =>
        request.post("/api/v1/emails", { headers: auth, data: { to: `delivered+${tag}-${String(i + k).padStart(2, "0")}@paging.postline.test`, subject: `Paging ${i + k}`, text: "Hi" } }).then((r) => expect(r.ok()).toBe(true)),
      ),
    );
  }
  await page.goto(`/messages?q=${tag}`);
  const messages = page.getByRole("table", { name: "Messages" }).locator("tbody tr");
  await expect(messages).toHaveCount(50);
  const firstPage = await messages.allInnerTexts();
  const pages = page.getByRole("navigation", { name: "Pages" });
  await expect(pages.getByRole("link", { name: "← Newer" })).toHaveCount(0);
  await pages.getByRole("link", { name: "Older →" }).click();
  await expect(messages).toHaveCount(1);
  expect(page.url()).toContain(`q=${tag}`);
  expect(page.url()).toContain("after=");
  expect(firstPage).not.toContain((await messages.allInnerTexts())[0]);
  await expect(pages.getByRole("link", { name: "Older →" })).toHaveCount(0);
  await pages.getByRole("link", { name: "← Newer" }).click();
  await expect(messages).toHaveCount(50);
  expect(await messages.allInnerTexts()).toEqual(firstPage);
  expect(page.url()).not.toContain("after=");
});

test("dashboard pages at 1280 and 390 px: screenshots, no page scrolls sideways on a phone, axe finds nothing serious", async ({ page, request }) => {
  test.setTimeout(600_000);
  const tag = Date.now().toString(36);
  const campaignId = await sentCampaign(request, tag);
  const contacts = (await (await request.get(`/api/v1/contacts?search=${tag}`, { headers: auth })).json()).data as { id: string }[];
  const message = (await (await request.get(`/api/v1/messages?campaign_id=${campaignId}`, { headers: auth })).json()).data[0] as { id: string };
  const endpoint = (await (await request.post("/api/v1/webhooks", { headers: auth, data: { event: "Email.Opened", url: `http://127.0.0.1:9/${tag}/a-rather-long-path/that-would-widen-a-phone-screen` } })).json()).data;
  const draft = (await (await request.post("/api/v1/campaigns", { headers: auth, data: { name: `Draft ${tag}`, subject: "Hello {{ name }}", html: "<p>Hi {{ name }}</p>" } })).json()).data;
  const segment = (await (await request.post("/api/v1/segments", { headers: auth, data: { name: `Subscribed ${tag}`, definition: { match: "all", conditions: [{ type: "status", op: "is", values: ["subscribed"] }] } } })).json()).data;
  const sequence = (await (await request.post("/api/v1/sequences", { headers: auth, data: { name: `Welcome ${tag}`, emails: [{ subject: "Welcome", html: "<p>Hi</p>", delay: { amount: 0, unit: "minutes" } }, { subject: "Day two", html: "<p>Two</p>", delay: { amount: 1, unit: "days" } }], window: { days: ["mon", "tue", "wed", "thu", "fri"], start_hour: 9, end_hour: 17 } } })).json()).data;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.goto("/login");
    await page.screenshot({ path: `${SCREENSHOTS}/login-${width}.png`, fullPage: true });
    if (width === 390) await noSidewaysScroll(page);
    await expectAccessible(page, { soft: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);

  const pages: [string, string][] = [
    ["home", "/"],
    ["profile", "/profile"],
    ["campaigns", "/campaigns"],
    ["campaign", `/campaigns/${campaignId}`],
    ["campaign-new", "/campaigns/new"],
    ["campaign-draft", `/campaigns/${draft.id}`],
    ["campaign-edit", `/campaigns/${draft.id}/edit`],
    ["forbidden", "/forbidden"],
    ["campaign-templates", "/campaigns/templates"],
    ["message-new", "/messages/new"],
    ["contacts", "/contacts"],
    ["contacts-import", "/contacts/import"],
    ["contact", `/contacts/${contacts[0].id}`],
    ["forms", "/forms"],
    ["form-new", "/forms/new"],
    ["segments", "/segments"],
    ["segment-new", "/segments/new"],
    ["segment", `/segments/${segment.id}`],
    ["segment-edit", `/segments/${segment.id}/edit`],
    ["sequences", "/sequences"],
    ["sequence-new", "/sequences/new"],
    ["sequence", `/sequences/${sequence.id}`],
    ["sequence-edit", `/sequences/${sequence.id}/edit`],
    ["messages", "/messages"],
    ["message", `/messages/${message.id}`],
    ["webhooks", "/webhooks"],
    ["webhook-endpoint", `/webhooks/${endpoint.id}`],
    ["security", "/security?hours=720"],
    ["settings", "/settings"],
  ];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    for (const [name, path] of pages) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      await page.screenshot({ path: `${SCREENSHOTS}/${name}-${width}.png`, fullPage: true });
      if (width === 390) await noSidewaysScroll(page);
      await expectAccessible(page, { soft: true });
    }
  }
  // The recipients table is wider than a phone: it scrolls inside its card.
  await page.goto(`/campaigns/${campaignId}`);
  // The content card shows the email (a sandboxed frame: full-page screenshots may leave it blank).
  await expect(page.frameLocator('iframe[title="Campaign content"]').getByText("Hello")).toBeVisible();
  const scroller = page.getByRole("table", { name: "Recipients" }).locator("xpath=..");
  const { scrollWidth, clientWidth } = await scroller.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
  expect(scrollWidth).toBeGreaterThan(clientWidth);

  // Its headers sort through the URL, so the order covers the whole audience, not one page.
  const recipient = page.getByRole("columnheader", { name: "Recipient" });
  await expect(recipient).toHaveAttribute("aria-sort", "ascending");
  await recipient.getByRole("link").click();
  await expect(page).toHaveURL(/sort=-email/);
  await expect(page.getByRole("columnheader", { name: "Recipient" })).toHaveAttribute("aria-sort", "descending");
  const emails = (await page.getByTestId("recipient-row").allInnerTexts()).map((t) => t.split(/\s/)[0]);
  expect(emails).toEqual([...emails].sort().reverse());
});
