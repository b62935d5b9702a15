import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signInAndWait } from "./helpers";

const auth = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
const SCREENSHOTS = "test-results/screenshots";

/** The message aria-describedby ties to a control. */
async function description(page: Page, control: Locator) {
  const ids = (await control.getAttribute("aria-describedby")) ?? "";
  const texts = await Promise.all(ids.split(" ").filter(Boolean).map((id) => page.locator(`[id="${id}"]`).innerText()));
  return texts.join(" ");
}

async function noSidewaysScroll(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${page.url()} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

test("forms: add-contact, create-webhook and the webhook test keep what was typed when the server refuses it, and focus the field in error", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  const taken = `taken-${tag}@forms.postline.test`;
  expect((await request.post("/api/v1/contacts", { headers: auth, data: { email: taken } })).status()).toBe(201);
  const list = (await (await request.post("/api/v1/lists", { headers: auth, data: { name: `Forms ${tag}` } })).json()).data;
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);

  // Add a contact whose address exists, to no list: the server refuses; the name stays, focus is on the
  // address. (With a list chosen, an existing address joins that list instead.)
  await page.goto("/contacts");
  const contactForm = page.getByRole("form", { name: "Add a contact" });
  await contactForm.getByLabel("Email").fill(taken.toUpperCase());
  await contactForm.getByLabel("Name").fill("Typed Name");
  await contactForm.getByRole("button", { name: "Add contact" }).click();
  const email = contactForm.getByLabel("Email");
  await expect(email).toHaveAttribute("aria-invalid", "true");
  expect(await description(page, email)).toContain("already exists");
  await expect(email).toBeFocused();
  await expect(email).toHaveValue(taken.toUpperCase());
  await expect(contactForm.getByLabel("Name")).toHaveValue("Typed Name");
  await contactForm.getByLabel("List").selectOption(list.id);
  // Corrected, it goes through and the form is cleared for the next one.
  await email.fill(`new-${tag}@forms.postline.test`);
  await contactForm.getByRole("button", { name: "Add contact" }).click();
  await expect(contactForm.getByText(`new-${tag}@forms.postline.test added.`)).toBeVisible();
  await expect(contactForm.getByLabel("Name")).toHaveValue("");

  // Create an endpoint on a loopback address outside ALLOW_PRIVATE_WEBHOOK_URLS: refused; everything chosen stays.
  await page.goto("/webhooks");
  const endpointForm = page.getByRole("form", { name: "Create an endpoint" });
  const refusedUrl = `http://127.0.0.2:9/${tag}/hooks`;
  await endpointForm.getByLabel("Endpoint URL").fill(refusedUrl);
  await endpointForm.getByLabel(/Email\.Opened/).check();
  await endpointForm.getByLabel(/Email\.Delivered/).uncheck();
  await endpointForm.getByLabel("Rate limit").fill("7");
  await endpointForm.getByLabel("Per").selectOption("minute");
  await endpointForm.getByLabel("Description").fill(`Typed description ${tag}`);
  await endpointForm.getByRole("button", { name: "Create endpoint" }).click();
  const url = endpointForm.getByLabel("Endpoint URL");
  await expect(url).toHaveAttribute("aria-invalid", "true");
  expect(await description(page, url)).toContain("ALLOW_PRIVATE_WEBHOOK_URLS");
  await expect(url).toBeFocused();
  await expect(url).toHaveValue(refusedUrl);
  await expect(endpointForm.getByLabel(/Email\.Opened/)).toBeChecked();
  await expect(endpointForm.getByLabel(/Email\.Delivered/)).not.toBeChecked();
  await expect(endpointForm.getByLabel("Rate limit")).toHaveValue("7");
  await expect(endpointForm.getByLabel("Per")).toHaveValue("minute");
  await expect(endpointForm.getByLabel("Description")).toHaveValue(`Typed description ${tag}`);
  await page.screenshot({ path: `${SCREENSHOTS}/forms-endpoint-refused-1280.png`, fullPage: true });

  // The webhook test form: a verified endpoint allowing one request an hour; the second test is refused.
  const server = http.createServer((req, res) => {
    const file = /postline-([^/]+)\.txt$/.exec(req.url ?? "");
    req.resume();
    if (req.method === "GET" && file) res.writeHead(200, { "content-type": "text/plain" }).end(file[1]);
    else res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const created = await request.post("/api/v1/webhooks", { headers: auth, data: { events: ["Email.Opened", "Webhook.Test"], url: `http://127.0.0.1:${port}/${tag}/hooks`, rate_limit: 1, rate_limit_period: "hour" } });
    expect(created.status()).toBe(201);
    const endpoint = (await created.json()).data;
    expect((await request.post(`/api/v1/webhooks/${endpoint.id}/verify`, { headers: auth })).ok()).toBe(true);
    await page.goto(`/webhooks/${endpoint.id}`);
    const testForm = page.getByRole("form", { name: "Send a test event" });
    const event = testForm.getByLabel("Event to send");
    await event.selectOption("Email.Opened");
    await testForm.getByRole("button", { name: "Send test" }).click();
    await expect(page.getByTestId("test-result")).toBeVisible();
    await expect(event).toHaveValue("Email.Opened");
    await testForm.getByRole("button", { name: "Send test" }).click();
    const refusal = testForm.getByRole("alert");
    await expect(refusal).toContainText("rate limit");
    await expect(event).toHaveValue("Email.Opened");
    // The refusal names no field (the endpoint's limit, not the event): focus is on the message, not lost.
    await expect(refusal).toBeFocused();
  } finally {
    server.close();
  }
});

/** A CSV with one row in Latin-1 bytes among UTF-8 rows, an invalid address and a duplicate. */
function mixedCsv(tag: string) {
  return Buffer.concat([
    Buffer.from(`E-mail Address,First name,Last name,Company,Notes\nann+${tag}@import.postline.test,Ann,Müller,Zürich AG,call back\n`),
    Buffer.from(`zoe+${tag}@import.postline.test,Zoë,Lefèvre,Café SA,x\n`, "latin1"),
    Buffer.from(`not-an-address,Nobody,,X,\nANN+${tag}@import.postline.test,Ann,Again,Dup Inc,\nbob+${tag}@import.postline.test,Bob,Brown,Acme,keep\n`),
  ]);
}

test("/contacts/import: a CSV with a bad row is previewed, mapped with keyboard and mouse, imported, and the skipped rows reported", async ({ page, request }) => {
  const tag = Date.now().toString(36);
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await page.goto("/contacts");
  await page.getByRole("link", { name: "Import a CSV file" }).click();
  await expect(page.getByRole("heading", { name: "Import contacts", level: 1 })).toBeVisible();
  const form = page.getByRole("form", { name: "Import contacts" });

  // Importing without a file says so on the file input, which takes focus.
  await form.getByRole("button", { name: "Import" }).click();
  await expect(form.getByLabel("CSV file")).toBeFocused();
  expect(await description(page, form.getByLabel("CSV file"))).toContain("Choose a CSV file first");

  await form.getByLabel("CSV file").setInputFiles({ name: "people.csv", mimeType: "text/csv", buffer: mixedCsv(tag) });
  const previewTable = form.getByRole("table", { name: "Import preview" });
  await expect(previewTable).toBeVisible();
  // Guessed from the header.
  await expect(form.getByLabel("Use column 1 (E-mail Address) as")).toHaveValue("email");
  await expect(form.getByLabel("Use column 2 (First name) as")).toHaveValue("name");
  await expect(form.getByLabel("Use column 3 (Last name) as")).toHaveValue("name");
  await expect(form.getByLabel("Use column 4 (Company) as")).toHaveValue("field");
  await expect(form.getByLabel("Field name for column 4")).toHaveValue("Company");
  // Contacts have tags (issue 16): a column can be imported as them.
  await expect(form.getByRole("option", { name: "Tags", exact: true }).first()).toBeEnabled();
  await expect(previewTable.locator("tbody tr").nth(0)).toContainText("Ann Müller");
  await expect(previewTable.locator("tbody tr").nth(1)).toContainText("Will be skipped: not UTF-8");
  await expect(previewTable.locator("tbody tr").nth(2)).toContainText("Will be skipped: not a valid email address");
  await expect(previewTable.locator("tbody tr").nth(3)).toContainText("Will be skipped: duplicate of row 2");

  // Rename the Company field with the keyboard; a bad name is refused in place and focused on Import.
  const company = form.getByLabel("Field name for column 4");
  await company.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("2company");
  expect(await description(page, company)).toContain("letters, digits and underscores");
  await form.getByRole("button", { name: "Import" }).click();
  await expect(company).toBeFocused();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("company_name");
  await expect(company).not.toHaveAttribute("aria-invalid", "true");
  await expect(previewTable.getByRole("columnheader", { name: "company_name" })).toBeVisible();
  // Notes: ignored, chosen with the keyboard (type-ahead on the focused select).
  const notes = form.getByLabel("Use column 5 (Notes) as");
  await notes.focus();
  await page.keyboard.press("i");
  await expect(notes).toHaveValue("ignore");
  await expect(form.getByLabel("Field name for column 5")).toHaveCount(0);
  await expect(previewTable.getByRole("columnheader", { name: "Notes" })).toHaveCount(0);
  // Last name: the mouse, to a field of its own and back to the name.
  await form.getByLabel("Use column 3 (Last name) as").selectOption("field");
  await expect(form.getByLabel("Field name for column 3")).toHaveValue("Last_name");
  await form.getByLabel("Use column 3 (Last name) as").selectOption("name");

  await page.screenshot({ path: `${SCREENSHOTS}/contacts-import-preview-1280.png`, fullPage: true });

  // Strict encoding refuses the file whole; the message takes focus and nothing is written.
  await form.getByLabel("Refuse the whole file if any row is not UTF-8").check();
  await form.getByRole("button", { name: "Import" }).click();
  const refusal = form.getByRole("alert");
  await expect(refusal).toContainText("not valid UTF-8 (first bad byte on line 3)");
  await expect(refusal).toBeFocused();
  expect((await (await request.get(`/api/v1/contacts?search=${tag}`, { headers: auth })).json()).data).toHaveLength(0);

  // By default the bad row is skipped and reported; the rest imports with the mapping.
  await form.getByLabel("Refuse the whole file if any row is not UTF-8").uncheck();
  await form.getByRole("button", { name: "Import" }).click();
  const summary = page.getByTestId("import-summary");
  await expect(summary).toContainText("5 rows read: 2 new contacts, 0 existing updated, 3 skipped (1 not UTF-8, 1 invalid address, 1 duplicate in the file).");
  await expect(summary).toBeFocused();
  await expect(page.getByTestId("import-imported")).toHaveText("2");
  await expect(page.getByTestId("import-skipped")).toHaveText("3");
  const skipped = summary.getByRole("table", { name: "Skipped rows" });
  await expect(skipped.locator("tbody tr").nth(0).locator("td")).toHaveText(["3", `zoe+${tag}@import.postline.test`, /^Not UTF-8/]);
  await expect(skipped.locator("tbody tr").nth(1)).toContainText("Not a valid email address");
  await expect(skipped.locator("tbody tr").nth(2)).toContainText("Duplicate of row 2");
  const download = page.waitForEvent("download");
  await summary.getByRole("link", { name: /skipped rows \(CSV\)/ }).click();
  const file = fs.readFileSync(await (await download).path(), "utf8");
  expect(file.split("\r\n")[0]).toBe("row,email,reason");
  expect(file).toContain(`"3","zoe+${tag}@import.postline.test"`);

  // At 390 px the page, preview and summary included, stays within the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await noSidewaysScroll(page);
  await page.screenshot({ path: `${SCREENSHOTS}/contacts-import-summary-390.png`, fullPage: true });

  // The imported contacts, as mapped: names joined, the renamed field, no notes.
  await summary.getByRole("link", { name: "See your contacts" }).click();
  await page.getByRole("searchbox", { name: "Search" }).fill(tag);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const table = page.getByRole("table", { name: "Contacts" });
  await expect(table).toContainText(`ann+${tag}@import.postline.test`);
  await expect(table).toContainText(`bob+${tag}@import.postline.test`);
  await expect(table).not.toContainText(`zoe+${tag}`);
  const stored = (await (await request.get(`/api/v1/contacts?search=${tag}`, { headers: auth })).json()).data as { email: string; name: string; fields: Record<string, string> }[];
  expect(stored.map((c) => [c.email, c.name, c.fields]).sort()).toEqual([
    [`ann+${tag}@import.postline.test`, "Ann Müller", { company_name: "Zürich AG" }],
    [`bob+${tag}@import.postline.test`, "Bob Brown", { company_name: "Acme" }],
  ]);
});
