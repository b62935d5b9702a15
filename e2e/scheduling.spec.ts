import { expect, test, type APIRequestContext, type Browser } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signInAndWait } from "./helpers";

// Issue 13.4: a schedule is a wall-clock time in a named zone, converted by the server for the target
// date. The stored instant is read back through the API.
const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };

async function draftCampaign(request: APIRequestContext, name: string): Promise<string> {
  await request.post("/api/v1/contacts", { headers: auth, data: { email: `schedule-${name.replace(/\W+/g, "-")}@e2e.postline.test` } });
  const created = await request.post("/api/v1/campaigns", { headers: auth, data: { name, subject: "Hi", html: "<p>Hi</p>" } });
  expect(created.status()).toBe(201);
  return (await created.json()).data.id;
}

async function storedSchedule(request: APIRequestContext, id: string): Promise<{ status: string; scheduled_at: string | null }> {
  return (await (await request.get(`/api/v1/campaigns/${id}`, { headers: auth })).json()).data;
}

async function signedInContext(browser: Browser, options: Parameters<Browser["newContext"]>[0]) {
  // Signing in needs JavaScript (next-auth's form); the session cookie then serves a context without it.
  const withJs = await browser.newContext();
  await signInAndWait(await withJs.newPage(), E2E.adminEmail, E2E.adminPassword);
  const storageState = await withJs.storageState();
  await withJs.close();
  return browser.newContext({ ...options, storageState });
}

test("/campaigns/{id}: 09:00 on 1 April in Europe/Berlin, chosen in March, is 07:00Z; shown in the zone and in the viewer's time", async ({ browser, request }) => {
  const id = await draftCampaign(request, `Zoned ${Date.now().toString(36)}`);
  const context = await signedInContext(browser, { timezoneId: "Europe/Berlin" });
  const page = await context.newPage();
  // The browser's clock in March (UTC+1): the old form sent this offset and made it 08:00Z.
  await page.clock.install({ time: new Date("2030-03-10T10:00:00Z") });
  await page.goto(`/campaigns/${id}`);
  // After hydration the zone is the browser's, shown and changeable.
  const zone = page.getByLabel(/Time zone/);
  await expect(zone).toHaveValue("Europe/Berlin");
  await page.getByLabel("Send at").fill("2030-04-01T09:00");
  await page.getByRole("button", { name: "Schedule", exact: true }).click();
  await expect(page.getByText(/Scheduled for .*09:00 Europe\/Berlin/).first()).toBeVisible();
  expect(await storedSchedule(request, id)).toMatchObject({ status: "scheduled", scheduled_at: "2030-04-01T07:00:00.000Z" });
  await expect(page.getByTestId("scheduled-time")).toHaveText("Mon, 1 Apr 2030, 09:00 Europe/Berlin");
  await context.close();

  // A viewer elsewhere sees the zone it was chosen in, and their own time.
  const elsewhere = await signedInContext(browser, { timezoneId: "America/New_York" });
  const other = await elsewhere.newPage();
  await other.goto(`/campaigns/${id}`);
  await expect(other.getByTestId("scheduled-time")).toHaveText("Mon, 1 Apr 2030, 09:00 Europe/Berlin (03:00 your time)");
  // The zone can be changed before scheduling again.
  await other.getByLabel(/Time zone/).selectOption("Asia/Tokyo");
  await other.getByLabel("Send at").fill("2030-04-01T09:00");
  await other.getByRole("button", { name: "Schedule", exact: true }).click();
  await expect(other.getByTestId("scheduled-time")).toContainText("09:00 Asia/Tokyo");
  expect((await storedSchedule(request, id)).scheduled_at).toBe("2030-04-01T00:00:00.000Z");
  await elsewhere.close();
});

test("/campaigns/{id}: scheduling without JavaScript (before hydration) uses the zone the server rendered, UTC", async ({ browser, request }) => {
  const id = await draftCampaign(request, `No JS ${Date.now().toString(36)}`);
  const context = await signedInContext(browser, { javaScriptEnabled: false, timezoneId: "Europe/Berlin" });
  const page = await context.newPage();
  await page.goto(`/campaigns/${id}`);
  await expect(page.getByLabel(/Time zone/)).toHaveValue("UTC");
  await page.getByLabel("Send at").fill("2030-04-01T09:00");
  await page.getByRole("button", { name: "Schedule", exact: true }).click();
  await expect(page.getByTestId("scheduled-time")).toHaveText("Mon, 1 Apr 2030, 09:00 UTC");
  expect(await storedSchedule(request, id)).toMatchObject({ status: "scheduled", scheduled_at: "2030-04-01T09:00:00.000Z" });

  // Another zone chosen in the plain HTML form is used as sent.
  await page.getByLabel(/Time zone/).selectOption("Europe/Berlin");
  await page.getByLabel("Send at").fill("2030-10-27T02:30");
  await page.getByRole("button", { name: "Schedule", exact: true }).click();
  // The viewer's own zone (known from an earlier visit's cookie, else none) may be added in brackets.
  await expect(page.getByTestId("scheduled-time")).toHaveText(/^Sun, 27 Oct 2030, 02:30 Europe\/Berlin( \(00:30 your time\))?$/);
  // 27 October 2030 is the day Berlin falls back: 02:30 happens twice; the first is summer time.
  expect((await storedSchedule(request, id)).scheduled_at).toBe("2030-10-27T00:30:00.000Z");
  await context.close();
});

test("/campaigns/{id}: campaign actions answer a forged campaignId with the form's error, not a crash", async ({ page, request }) => {
  const id = await draftCampaign(request, `Forged ${Date.now().toString(36)}`);
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto(`/campaigns/${id}`);
  await expect(page.getByLabel(/Time zone/)).not.toHaveValue("");
  // A stale or hand-edited page: the hidden campaignId is not a UUID.
  const scheduleForm = page.locator("form").filter({ has: page.getByRole("button", { name: "Schedule", exact: true }) });
  await scheduleForm.locator('input[name="campaignId"]').evaluate((el: HTMLInputElement) => (el.value = "------------------------------------"));
  await page.getByLabel("Send at").fill("2030-04-01T09:00");
  await page.getByRole("button", { name: "Schedule", exact: true }).click();
  await expect(scheduleForm.getByText("Unknown campaign")).toBeVisible();
  const testForm = page.locator("form").filter({ has: page.getByRole("button", { name: "Send test" }) });
  await testForm.locator('input[name="campaignId"]').evaluate((el: HTMLInputElement) => (el.value = "not-a-uuid"));
  await page.getByRole("button", { name: "Send test" }).click();
  await expect(testForm.getByText("Unknown campaign: reload the page")).toBeVisible();
  expect((await storedSchedule(request, id)).status).toBe("draft");
});
