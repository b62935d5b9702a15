import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { startTestDnsServer, type TestDnsServer } from "../lib/tooling/testing/dns-server";
import { expectAccessible, gotoHydrated, signInAndWait } from "./helpers";

const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
const SCREENSHOTS = "test-results/screenshots";

test.describe.configure({ timeout: 180_000 });

// The app asks 127.0.0.1:4053 (DNS_RESOLVER in playwright.config.ts) for `_dmarc.<domain>`.
let dns: TestDnsServer;
test.beforeAll(async () => {
  dns = await startTestDnsServer({}, { port: 4053 });
});
test.afterAll(() => dns.close());

async function shoot(page: Page, name: string) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
    expect(scrollWidth, `${page.url()} is ${scrollWidth} px wide at ${innerWidth} px`).toBeLessThanOrEqual(innerWidth);
    await page.screenshot({ path: `${SCREENSHOTS}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("/campaigns/[id]: a large campaign from a domain without DMARC is refused with what to fix; an admin overrides, recorded; a complainer cannot be lifted", async ({ page, request }) => {
  const tag = `${Date.now()}`;
  const domain = `unready-${tag}.e2e.test`;
  const list = (await (await request.post("/api/v1/lists", { headers: auth, data: { name: `Sender ${tag}` } })).json()).data;
  // 1,001 recipients: one over the default threshold (SENDER_CHECK_MIN_RECIPIENTS = 1,000). One complains.
  const emails = [`spam+${tag}@sender.postline.test`, ...Array.from({ length: 1_000 }, (_, i) => `delivered+${tag}-${i}@sender.postline.test`)];
  for (let i = 0; i < emails.length; i += 500) {
    const r = await request.post("/api/v1/contacts", { headers: auth, data: emails.slice(i, i + 500).map((email) => ({ email, list_ids: [list.id] })) });
    expect(r.status()).toBe(200);
  }
  const campaign = (await (await request.post("/api/v1/campaigns", { headers: auth, data: { name: `Sender ${tag}`, from: `news@${domain}`, subject: "Hi", html: "<p>Hello</p>", list_ids: [list.id] } })).json()).data;

  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await gotoHydrated(page, `/campaigns/${campaign.id}`);
  await expect(page.getByTestId("audience-count")).toContainText("1,001 recipients");
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Send now to 1,001" }).click();
  await expect(page.getByText(`This campaign goes to 1,001 recipients from ${domain}, which is not ready for bulk mail`)).toBeVisible();
  await expect(page.getByText(`No DMARC record at _dmarc.${domain}`).first()).toBeVisible();
  // The page shows the check: DMARC missing, DKIM not checked (no account token in this setup).
  const card = page.getByTestId("sender-check");
  await expect(card).toContainText("missing");
  await expect(card).toContainText("To fix:");
  await expect(page.getByTestId("campaign-status")).toContainText("draft");
  await expectAccessible(page);
  await shoot(page, "sender-check-refused");

  // The API refuses the same way (409 sender_unverified, with the problems).
  const refused = await request.post(`/api/v1/campaigns/${campaign.id}/send`, { headers: auth });
  expect(refused.status()).toBe(409);
  expect((await refused.json()).error).toMatchObject({ code: "sender_unverified", details: { domain, recipients: 1001, threshold: 1000 } });

  // Publishing DMARC and checking again clears it.
  dns.set(`_dmarc.${domain}`, [`v=DMARC1; p=none; rua=mailto:dmarc@${domain}`]);
  await page.getByRole("button", { name: "Check again" }).click();
  await expect(page.getByText("The sender domain is ready for bulk mail.")).toBeVisible();
  dns.set(`_dmarc.${domain}`, undefined);
  await page.reload();

  // The admin overrides for this campaign: recorded, then the send goes through.
  await page.getByRole("button", { name: "Check again" }).click();
  await expect(card).toContainText("To fix:");
  await page.getByRole("button", { name: "Override for this campaign" }).click();
  await expect(page.getByTestId("sender-override")).toContainText(`by ${E2E.adminEmail}`);
  await shoot(page, "sender-check-overridden");
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Send now to 1,001" }).click();
  // The page moves on to progress (the form's message goes with the draft's card).
  await expect(page.getByTestId("campaign-status")).not.toContainText("draft");
  const api = (await (await request.get(`/api/v1/campaigns/${campaign.id}`, { headers: auth })).json()).data;
  expect(api.sender_override).toEqual({ by: E2E.adminEmail, at: expect.any(String) });
  expect(api.sender_check).toMatchObject({ domain, dmarc: "missing" });

  // The complainer: Postmark's complaint arrives; the contact page says it cannot be lifted.
  const spammer = (await (await request.get(`/api/v1/contacts?search=${encodeURIComponent(`spam+${tag}`)}`, { headers: auth })).json()).data[0];
  await expect.poll(async () => (await (await request.get(`/api/v1/contacts/${spammer.id}`, { headers: auth })).json()).data.status, { timeout: 90_000 }).toBe("complained");
  await gotoHydrated(page, `/contacts/${spammer.id}`);
  await expect(page.getByRole("note")).toContainText("A spam complaint cannot be lifted");
  await expect(page.getByRole("button", { name: /Subscribe again|Reactivate/ })).toHaveCount(0);
  const lift = await request.post(`/api/v1/contacts/${spammer.id}/reactivate`, { headers: auth });
  expect(lift.status()).toBe(409);
  expect((await lift.json()).error.code).toBe("suppression_permanent");
  await shoot(page, "contact-complaint-permanent");
});
