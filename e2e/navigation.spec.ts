import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signInAndWait } from "./helpers";

test("on a phone the navigation folds into a menu that opens, follows a link, closes on Escape and gives focus back", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  const menu = page.getByRole("button", { name: /^Menu/ });
  const nav = page.getByRole("navigation", { name: "Main" });

  // Folded: the page starts right under the bar, the links are not shown.
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();
  const { y: top } = (await page.getByRole("heading", { level: 1 }).boundingBox())!;
  expect(top).toBeLessThan(150);

  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(nav.getByRole("link", { name: "Contacts" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/menu-open-390.png" });
  await nav.getByRole("link", { name: "Contacts" }).click();
  await expect(page).toHaveURL(/\/contacts$/);
  await expect(page.getByRole("heading", { name: "Contacts", level: 1 })).toBeVisible();
  await expect(nav).toBeHidden();

  // Keyboard: Enter opens, Tab reaches the first link, Escape closes and returns focus to the button.
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(nav).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(nav.getByRole("link", { name: "Home" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(nav).toBeHidden();
  await expect(menu).toBeFocused();

  // An open menu closes when the window grows to a desktop's width, where the sidebar shows the links.
  await menu.click();
  await page.setViewportSize({ width: 1280, height: 900 });
  await expect(menu).toBeHidden();
  await expect(nav.getByRole("link", { name: "Contacts" })).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();
});

test("on a desktop the sidebar shows every link and marks the current page", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
  await expect(page.getByRole("button", { name: /^Menu/ })).toBeHidden();
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const name of ["Home", "Campaigns", "Contacts", "Messages", "Webhooks", "Security", "Settings"]) await expect(nav.getByRole("link", { name })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Home" })).toHaveAttribute("aria-current", "page");
  await nav.getByRole("link", { name: "Campaigns" }).click();
  await expect(nav.getByRole("link", { name: "Campaigns" })).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "Home" })).not.toHaveAttribute("aria-current", "page");
});
