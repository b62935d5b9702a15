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

test("/sequences/{id}: preview an email as a contact and send it as a test, like a campaign's", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  const contactEmail = `lin-${tag}@e2e.postline.test`;
  expect((await request.post("/api/v1/contacts", { headers: auth, data: { email: contactEmail, name: "Lin Chen", fields: { city: "Taipei" } } })).status()).toBeLessThan(300);
  const created = await request.post("/api/v1/sequences", {
    headers: auth,
    data: {
      name: `Preview ${tag}`,
      emails: [
        { subject: "Welcome {{ name }}", html: "<p>Hello {{ name }}</p>", delay: { amount: 0, unit: "minutes" } },
        { subject: "Day two in {{ fields.city | default: \"town\" }}", html: "<p>Hi {{ name }}, <strong>day two</strong>.</p>", delay: { amount: 1, unit: "days" } },
      ],
    },
  });
  expect(created.status()).toBe(201);
  const sequence = (await created.json()).data as { id: string; emails: { id: string }[] };

  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await gotoHydrated(page, `/sequences/${sequence.id}`);
  await expect(page.getByTestId("preview-subject")).toHaveText("Welcome Ada Lovelace");
  await page.getByLabel("Email", { exact: true }).selectOption({ label: 'Email 2: Day two in {{ fields.city | default: "town" }}' });
  await expect(page.getByTestId("preview-subject")).toHaveText("Day two in London");

  const previewAs = page.getByRole("combobox", { name: "Preview as" });
  await previewAs.fill(`lin-${tag}`);
  await expect(page.getByRole("option", { name: new RegExp(contactEmail) })).toBeVisible();
  await previewAs.press("Enter");
  await expect(page.getByRole("heading", { name: "Email 2 for Lin Chen" })).toBeVisible();
  await expect(page.getByTestId("preview-subject")).toHaveText("Day two in Taipei");
  await expect(page.frameLocator('iframe[title="Email preview"]').getByText("Hi Lin Chen, day two.")).toBeVisible();

  // A test to one address, personalized as Lin: the sandbox has it on the transactional stream, and the
  // sequence counts nothing.
  const to = `seq-test-${tag}@e2e.postline.test`;
  await page.getByLabel("Send a test to").fill(to);
  await page.getByRole("combobox", { name: "Personalize as" }).fill(`lin-${tag}`);
  await page.getByRole("option", { name: new RegExp(contactEmail) }).click();
  await page.getByRole("button", { name: "Send test" }).click();
  await expect(page.getByText(`Test sent to ${to}.`)).toBeVisible();
  const secrets = JSON.parse(fs.readFileSync(path.join(".data/e2e", "secrets.json"), "utf8")) as { SANDBOX_SERVER_TOKEN: string };
  await expect
    .poll(async () => {
      const res = await request.get(`${SANDBOX}/__sandbox/messages?recipient=${encodeURIComponent(to)}`, { headers: { "X-Postmark-Server-Token": secrets.SANDBOX_SERVER_TOKEN } });
      return ((await res.json()).Messages as { subject: string; stream: string; tag: string; metadata: Record<string, string> }[]).map((m) => [m.subject, m.stream, m.tag, m.metadata.sequence_email_test]);
    })
    .toEqual([["[Test] Day two in Taipei", "outbound", "sequence-test", sequence.emails[1].id]]);
  const after = (await (await request.get(`/api/v1/sequences/${sequence.id}`, { headers: auth })).json()).data;
  expect(after.emails.map((e: { stats: { sent: number } }) => e.stats.sent)).toEqual([0, 0]);

  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/sequence-preview-1280.png`, fullPage: true });
  await expectAccessible(page, { soft: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SCREENSHOTS}/sequence-preview-390.png`, fullPage: true });
});
