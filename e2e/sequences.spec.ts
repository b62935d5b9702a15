import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { expectAccessible, gotoHydrated, signInAndWait, uniqueEmail } from "./helpers";

// Issue 17: a sequence made in the dashboard, activated, a contact enrolled by hand, and its first email
// seen in the sandbox (broadcast stream, the sequence's tag), then on the contact's page.
const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
const SANDBOX = "http://127.0.0.1:4011"; // POSTMARK_SANDBOX_PORT in playwright.config.ts
const SCREENSHOTS = "test-results/screenshots";

test.describe.configure({ timeout: 180_000 });

test("/sequences: create a sequence, activate it, enrol a contact, the first email reaches the sandbox", async ({ page, request }) => {
  const email = uniqueEmail("drip");
  const created = await request.post("/api/v1/contacts", { headers: auth, data: { email, name: "Drip Reader" } });
  expect(created.status()).toBeLessThan(300);
  const name = `Welcome ${Date.now().toString(36)}`;

  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await gotoHydrated(page, "/sequences/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  const first = page.getByTestId("sequence-email-row").first();
  await first.getByLabel("Subject", { exact: true }).fill("Welcome, {{ name }}");
  await first.getByLabel("HTML", { exact: true }).fill("<p>Hello {{ name }}, this is day one.</p>");
  await first.getByLabel("Delay", { exact: true }).fill("0");
  const second = page.getByTestId("sequence-email-row").nth(1);
  await second.getByLabel("Subject", { exact: true }).fill("Day two");
  await second.getByLabel("HTML", { exact: true }).fill("<p>Two</p>");
  await page.getByRole("button", { name: "Create sequence" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByRole("table", { name: "Emails of the sequence" }).locator("tbody tr")).toHaveCount(2);

  await page.getByRole("button", { name: "Activate" }).click();
  await expect(page.getByText("active", { exact: true }).first()).toBeVisible();
  await page.getByLabel("Contact's address").fill(email);
  await page.getByRole("button", { name: "Enrol" }).click();
  await expect(page.getByText(`${email} is enrolled`)).toBeVisible();

  const secrets = JSON.parse(fs.readFileSync(path.join(".data/e2e", "secrets.json"), "utf8")) as { SANDBOX_SERVER_TOKEN: string };
  await expect
    .poll(
      async () => {
        const res = await request.get(`${SANDBOX}/__sandbox/messages?recipient=${encodeURIComponent(email)}`, { headers: { "X-Postmark-Server-Token": secrets.SANDBOX_SERVER_TOKEN } });
        const messages = (await res.json()).Messages as { subject: string; stream: string; tag: string }[];
        return messages.map((m) => `${m.stream} ${m.subject} ${m.tag.startsWith("sequence-")}`);
      },
      { timeout: 60_000 },
    )
    .toEqual(["broadcast Welcome, Drip Reader true"]);

  // The sequence page counts it; the enrollment waits for day two.
  await expect.poll(async () => {
    await page.reload();
    return page.getByRole("table", { name: "Emails of the sequence" }).locator("tbody tr").first().locator("td").nth(3).innerText();
  }, { timeout: 30_000 }).toBe("1");
  await expect(page.getByRole("table", { name: "Enrollments" })).toContainText("1 sent; next: email 2");
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/sequence-enrolled-1280.png`, fullPage: true });
  await expectAccessible(page, { soft: true });

  // The contact's page shows where it stands.
  await page.getByRole("table", { name: "Enrollments" }).getByRole("link", { name: email }).click();
  await expect(page.getByText("1 of 2 sent")).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SCREENSHOTS}/contact-sequences-390.png`, fullPage: true });
});
