import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signIn, signInAndWait, uniqueEmail } from "./helpers";

test.describe("/login", () => {
  test("an unauthenticated visitor is sent to /login and comes back after signing in", async ({ page }) => {
    await page.goto("/messages");
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fmessages/);
    await page.getByLabel("Email").fill(E2E.adminEmail);
    await page.getByLabel("Password").fill(E2E.adminPassword);
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { name: "Messages", level: 1 })).toBeVisible();
  });

  test("the admin signs in and sees every section, with empty states", async ({ page }) => {
    await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const name of ["Campaigns", "Contacts", "Messages", "Webhooks", "Security", "Settings"]) {
      await expect(nav.getByRole("link", { name })).toBeVisible();
    }
    await expect(page.getByText("No campaigns yet")).toBeVisible();
    await nav.getByRole("link", { name: "Contacts" }).click();
    await expect(page.getByText("No contacts yet")).toBeVisible();
  });

  test("a wrong password shows an error and does not sign in", async ({ page }) => {
    await signIn(page, E2E.adminEmail, "not-the-password");
    await expect(page.getByRole("alert").filter({ hasText: "do not match" })).toHaveText("That email and password do not match an account.");
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/campaigns");
    await expect(page).toHaveURL(/\/login/);
  });

  test("sign out ends the session", async ({ page }) => {
    await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/campaigns");
    await expect(page).toHaveURL(/\/login/);
  });
});

test.describe("roles", () => {
  test("a marketer cannot open admin pages or call admin routes", async ({ page, browser, request }) => {
    const marketerEmail = uniqueEmail("marketer");
    const marketerPassword = "marketer-password-1";

    // The admin creates a marketer account and a marketer API key in Settings.
    await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
    await page.goto("/settings");
    const userForm = page.getByRole("form", { name: "Create a user" });
    await userForm.getByLabel("Email").fill(marketerEmail);
    await userForm.getByLabel("Initial password").fill(marketerPassword);
    await userForm.getByRole("button", { name: "Create user" }).click();
    await expect(page.getByText(`${marketerEmail} can now sign in as marketer.`)).toBeVisible();

    const keyForm = page.getByRole("form", { name: "Create an API key" });
    await keyForm.getByLabel("Key name").fill("marketer automation");
    await keyForm.getByLabel("Role").selectOption("marketer");
    await keyForm.getByRole("button", { name: "Create key" }).click();
    const marketerKey = (await page.getByTestId("new-api-key").textContent())!.trim();
    expect(marketerKey).toMatch(/^pl_/);

    // The marketer signs in: no admin navigation, and admin pages are refused by the server.
    const context = await browser.newContext();
    const marketer = await context.newPage();
    await signInAndWait(marketer, marketerEmail, marketerPassword);
    const nav = marketer.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Campaigns" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Security" })).toHaveCount(0);
    await expect(nav.getByRole("link", { name: "Settings" })).toHaveCount(0);
    for (const path of ["/settings", "/security", "/webhooks"]) {
      await marketer.goto(path);
      await expect(marketer.getByRole("heading", { name: "This page is for admins" })).toBeVisible();
    }
    await context.close();

    // The admin API route: refused for the marketer key, allowed for an admin key, 401 without one.
    const denied = await request.get("/api/v1/security/events", { headers: { authorization: `Bearer ${marketerKey}` } });
    expect(denied.status()).toBe(403);
    expect(await denied.json()).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
    const allowed = await request.get("/api/v1/security/events", { headers: { authorization: `Bearer ${E2E.bootstrapApiKey}` } });
    expect(allowed.status()).toBe(200);
    const anonymous = await request.get("/api/v1/security/events");
    expect(anonymous.status()).toBe(401);
    expect((await anonymous.json()).error.code).toBe("unauthorized");
  });

  test("a disabled marketer is signed out everywhere at once", async ({ page, browser }) => {
    const email = uniqueEmail("leaver");
    await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
    await page.goto("/settings");
    const userForm = page.getByRole("form", { name: "Create a user" });
    await userForm.getByLabel("Email").fill(email);
    await userForm.getByLabel("Initial password").fill("leaver-password-1");
    await userForm.getByRole("button", { name: "Create user" }).click();
    await expect(page.getByText(`${email} can now sign in as marketer.`)).toBeVisible();

    const context = await browser.newContext();
    const leaver = await context.newPage();
    await signInAndWait(leaver, email, "leaver-password-1");

    const row = page.getByRole("row").filter({ hasText: email });
    await row.getByRole("button", { name: "Disable" }).click();
    await expect(row.getByText("disabled", { exact: true })).toBeVisible();

    await leaver.goto("/contacts");
    await expect(leaver).toHaveURL(/\/login/);
    await signIn(leaver, email, "leaver-password-1");
    await expect(leaver.getByRole("alert").filter({ hasText: "disabled" })).toHaveText("This account has been disabled. Ask an admin to enable it.");
    await context.close();
  });
});

test("/api/health reports the database", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  expect(await res.json()).toMatchObject({ status: "ok", database: { ok: true } });
});

test("/api/cron routes refuse a missing or wrong bearer and record it", async ({ request }) => {
  const wrong = await request.get("/api/cron/send", { headers: { authorization: "Bearer not-the-cron-secret", "user-agent": "e2e-wrong" } });
  expect(wrong.status()).toBe(401);
  expect((await wrong.json()).error.code).toBe("cron_bearer_invalid");
  const res = await request.get("/api/cron/reconcile", { headers: { "user-agent": "e2e-probe" } });
  expect(res.status()).toBe(401);
  const events = await request.get("/api/v1/security/events?reason=cron_bearer_missing", { headers: { authorization: `Bearer ${E2E.bootstrapApiKey}` } });
  const body = await events.json();
  expect(body.data.some((e: { user_agent: string; route: string }) => e.user_agent === "e2e-probe" && e.route === "/api/cron/reconcile")).toBe(true);
  const invalid = await (await request.get("/api/v1/security/events?reason=cron_bearer_invalid", { headers: { authorization: `Bearer ${E2E.bootstrapApiKey}` } })).json();
  expect(invalid.data.some((e: { user_agent: string; header_names: string[] }) => e.user_agent === "e2e-wrong" && e.header_names.includes("authorization"))).toBe(true);
  // The secret that was sent is never stored.
  expect(JSON.stringify(invalid)).not.toContain("not-the-cron-secret");
});

test("a client's own X-Forwarded-For does not choose the address Postline records and limits", async ({ request }) => {
  // next start alone would keep this header as sent; the launcher appends the socket's address.
  const res = await request.get("/api/cron/send", { headers: { "x-forwarded-for": "6.6.6.6", "user-agent": "e2e-forged-address" } });
  expect(res.status()).toBe(401);
  const events = await (await request.get("/api/v1/security/events?reason=cron_bearer_missing", { headers: { authorization: `Bearer ${E2E.bootstrapApiKey}` } })).json();
  const recorded = events.data.find((e: { user_agent: string }) => e.user_agent === "e2e-forged-address");
  expect(recorded.ip).toBe("127.0.0.1");
});
