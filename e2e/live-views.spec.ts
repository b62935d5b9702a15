import fs from "node:fs";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signInAndWait } from "./helpers";

const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
const SCREENSHOTS = "test-results/screenshots";
// The launcher's Postmark sandbox for the e2e run (playwright.config: POSTMARK_SANDBOX_PORT 4011), driven
// through its control API with the token the launcher generated into the e2e data directory.
const SANDBOX = "http://127.0.0.1:4011";
const SANDBOX_DEFAULT_DELAY_MS = 20;

test.describe.configure({ timeout: 180_000 });

function sandboxToken(): string {
  return JSON.parse(fs.readFileSync(".data/e2e/secrets.json", "utf8")).SANDBOX_SERVER_TOKEN;
}

async function sandbox(request: APIRequestContext, path: "rates" | "faults", data: Record<string, unknown>) {
  const res = await request.post(`${SANDBOX}/__sandbox/${path}`, { headers: { "X-Postmark-Server-Token": sandboxToken() }, data });
  expect(res.ok()).toBe(true);
}

/** A draft campaign to new contacts whose local parts force their outcome in the sandbox. */
async function draftCampaign(request: APIRequestContext, tag: string, people: { outcome: string; name: string }[]) {
  const list = await (await request.post("/api/v1/lists", { headers: auth, data: { name: `Live ${tag}` } })).json();
  const contacts = people.map((p) => ({ email: `${p.outcome}+${tag}-${p.name.toLowerCase()}@live.postline.test`, name: p.name, list_ids: [list.data.id] }));
  expect((await request.post("/api/v1/contacts", { headers: auth, data: contacts })).status()).toBe(200);
  const campaign = await (
    await request.post("/api/v1/campaigns", {
      headers: auth,
      data: { name: `Live ${tag}`, subject: "Hello {{ name }}", html: '<p>Hi {{ name }}, <a href="https://example.com/live">read on</a></p>', list_ids: [list.data.id] },
    })
  ).json();
  return { id: campaign.data.id as string, emails: contacts.map((c) => c.email) };
}

const stat = (page: Page, name: string) => page.getByTestId(`stat-${name}`);

/** Marks the document; a full reload would lose the mark. */
async function markDocument(page: Page) {
  await page.evaluate(() => ((window as unknown as { liveMark: number }).liveMark = 1));
}
async function expectSameDocument(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { liveMark?: number }).liveMark), "the page was reloaded").toBe(1);
}

async function sendFromThePage(page: Page, recipients: number) {
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: `Send now to ${recipients}` }).click();
}

test("/campaigns/{id} keeps counting after sending ends, without a reload; the chart has minute bars; subjects are personalized where people read", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  // Events arrive well after the campaign is sent: Delivery 6 s after each send, then (the sandbox's
  // fast pace) the open about 3 s and the click 11–12 s after delivery.
  await sandbox(request, "rates", { delayMs: 6000 });
  try {
    const campaign = await draftCampaign(request, tag, [
      { outcome: "click", name: "Ada" },
      { outcome: "open", name: "Grace" },
      { outcome: "delivered", name: "Edsger" },
    ]);
    await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
    await page.goto(`/campaigns/${campaign.id}`);
    await markDocument(page);
    await sendFromThePage(page, 3);

    await expect(page.getByTestId("campaign-status")).toHaveText("sent", { timeout: 30_000 });
    await expect(stat(page, "sent")).toHaveText("3");
    // Sending has ended; Postmark's deliveries have not arrived yet …
    const deliveredWhenSent = Number(await stat(page, "delivered").innerText());
    expect(deliveredWhenSent).toBeLessThan(3);
    await expect(page.getByTestId("live-indicator")).toContainText(/Live · updated \d\d:\d\d:\d\d/);
    // … and the page counts them as they come, then the open and the click.
    await expect(stat(page, "delivered")).toHaveText("3", { timeout: 40_000 });
    await expect(stat(page, "opened")).toHaveText("2", { timeout: 40_000 });
    await expect(stat(page, "clicked")).toHaveText("1", { timeout: 40_000 });
    await expect(page.getByRole("progressbar", { name: "Handed to Postmark" })).toBeVisible();
    // The recipients table too.
    const ada = page.getByTestId("recipient-row").filter({ hasText: campaign.emails[0] });
    await expect(ada).toContainText("clicked", { timeout: 20_000 });
    await expectSameDocument(page);

    // A campaign minutes old is drawn in one-minute bars, labelled in the browser's time zone.
    const chart = page.locator("figure[data-bucket-ms]");
    await expect(chart).toHaveAttribute("data-bucket-ms", "60000");
    await expect(page.getByText("Per minute, in your time zone.")).toBeVisible();
    await expect(chart.locator("[data-axis-label]").filter({ hasText: /^\d\d:\d\d$/ }).first()).toBeVisible();
    // The link table's number headers read as separate words: every click, people's clicks, recipients.
    const headers = await page.getByRole("table", { name: "Clicks per link" }).locator("thead").innerText();
    expect(headers.replace(/\s+/g, " ")).toMatch(/ALL CLICKS PEOPLE CLICKS UNIQUE RECIPIENTS/i);
    await expect(page.getByRole("table", { name: "Clicks per link" }).getByRole("cell", { name: "1" }).first()).toBeVisible();

    // Hidden, the page stops asking; shown again, it refreshes at once.
    const refreshes: string[] = [];
    page.on("request", (r) => r.headers()["rsc"] === "1" && refreshes.push(r.url()));
    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await page.waitForTimeout(5000);
    expect(refreshes).toEqual([]);
    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await expect.poll(() => refreshes.length, { timeout: 5000 }).toBeGreaterThan(0);

    // The subject Ada received, on the message page, in her contact's history and in the Messages list.
    await ada.getByRole("link", { name: campaign.emails[0] }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(campaign.emails[0]);
    await expect(page.getByText("Hello Ada").first()).toBeVisible();
    await expect(page.getByText("{{")).toHaveCount(0);
    await page.getByRole("link", { name: "contact history" }).click();
    await expect(page.getByRole("table", { name: "Messages to this contact" }).getByRole("link", { name: "Hello Ada" })).toBeVisible();
    await page.goto(`/messages?q=${encodeURIComponent(campaign.emails[0])}`);
    await expect(page.getByRole("table", { name: "Messages" }).locator("tbody tr").first()).toContainText("Hello Ada");
    await expect(page.getByRole("table", { name: "Messages" })).not.toContainText("{{");
  } finally {
    await sandbox(request, "rates", { delayMs: SANDBOX_DEFAULT_DELAY_MS });
  }
});

test("/campaigns/{id}: pausing or cancelling mid-batch, the counts still move without a reload", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  // Each call to Postmark takes 8 s: the batch is in flight when the marketer stops the campaign.
  await sandbox(request, "faults", { latencyMs: 8000 });
  try {
    await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
    for (const stop of ["pause", "cancel"] as const) {
      const campaign = await draftCampaign(request, `${tag}${stop}`, [
        { outcome: "delivered", name: "Ada" },
        { outcome: "delivered", name: "Alan" },
      ]);
      await page.goto(`/campaigns/${campaign.id}`);
      await markDocument(page);
      await sendFromThePage(page, 2);
      await expect(page.getByTestId("campaign-status")).toHaveText("sending");
      if (stop === "pause") {
        await page.getByRole("button", { name: "Pause" }).click();
        await expect(page.getByTestId("campaign-status")).toHaveText("paused");
      } else {
        page.once("dialog", (d) => d.accept());
        await page.getByRole("button", { name: "Cancel the rest" }).click();
        await expect(page.getByTestId("campaign-status")).toHaveText("cancelled");
      }
      // Stopped before Postmark answered; its answer and the deliveries still show up.
      await expect(stat(page, "sent")).toHaveText("0");
      await expect(stat(page, "sent")).toHaveText("2", { timeout: 30_000 });
      await expect(stat(page, "delivered")).toHaveText("2", { timeout: 30_000 });
      await expect(page.getByTestId("live-indicator")).toBeVisible();
      await expectSameDocument(page);
    }
  } finally {
    await sandbox(request, "faults", {});
  }
});

test("the campaign and message pages fit a 390 px phone", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  const campaign = await draftCampaign(request, tag, [{ outcome: "click", name: "Ada" }]);
  expect((await request.post(`/api/v1/campaigns/${campaign.id}/send`, { headers: auth })).status()).toBe(202);
  await expect.poll(async () => (await (await request.get(`/api/v1/campaigns/${campaign.id}`, { headers: auth })).json()).data.stats.clicked, { timeout: 60_000 }).toBe(1);
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/campaigns/${campaign.id}`);
  await expect(page.locator("figure[data-bucket-ms]")).toBeVisible();
  await page.screenshot({ path: `${SCREENSHOTS}/live-campaign-390.png`, fullPage: true });
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  expect(await fits()).toBe(true);
  await page.getByTestId("recipient-row").first().getByRole("link").click();
  await expect(page.getByText("Hello Ada").first()).toBeVisible();
  await page.screenshot({ path: `${SCREENSHOTS}/live-message-390.png`, fullPage: true });
  expect(await fits()).toBe(true);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${SCREENSHOTS}/live-message-1280.png`, fullPage: true });
  await page.goBack();
  await page.screenshot({ path: `${SCREENSHOTS}/live-campaign-1280.png`, fullPage: true });
});
