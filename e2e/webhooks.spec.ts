import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { Webhook } from "standardwebhooks";
import { E2E } from "../playwright.config";
import { signInAndWait } from "./helpers";

test("/webhooks: an admin creates an endpoint, verifies it, sends a test and sees it in the delivery log", async ({ page }) => {
  // The receiver: serves the verification file from the endpoint's folder and records posts. 127.0.0.1 only.
  const files: Record<string, string> = {};
  const posts: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET") {
        const file = files[req.url ?? ""];
        res.writeHead(file ? 200 : 404, { "content-type": "text/plain" }).end(file ?? "missing");
        return;
      }
      posts.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "application/json" }).end('{"thanks":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/hooks/postline`;

  try {
    await signInAndWait(page, E2E.adminEmail, E2E.adminPassword);
    await page.goto("/webhooks");
    await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();

    const form = page.getByRole("form", { name: "Create an endpoint" });
    await form.getByLabel("Endpoint URL").fill(url);
    await form.getByLabel(/Email\.Opened/).check();
    await form.getByLabel(/Webhook\.Test/).check();
    await form.getByLabel("Rate limit").fill("5");
    await form.getByLabel("Per").selectOption("second");
    await form.getByRole("button", { name: "Create endpoint" }).click();

    // The endpoint page: pending until the file is published.
    await expect(page.getByRole("heading", { name: "Webhook endpoint", level: 1 })).toBeVisible();
    await expect(page.getByTestId("endpoint-status")).toHaveText("pending verification");
    const fileName = (await page.getByTestId("verification-file-name").textContent())!.trim();
    const token = (await page.getByTestId("verification-token").textContent())!.trim();
    expect(fileName).toBe(`postline-${token}.txt`);

    // Verifying before publishing fails and says why.
    await page.getByRole("button", { name: "Verify ownership" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "HTTP 404" })).toBeVisible();

    files[`/hooks/${fileName}`] = token;
    await page.getByRole("button", { name: "Verify ownership" }).click();
    await expect(page.getByText("Ownership verified")).toBeVisible();
    await expect(page.getByTestId("endpoint-status")).toHaveText("active");

    // The test tool: what was sent, the signed string, and the answer.
    await page.getByRole("button", { name: "Send test" }).click();
    await expect(page.getByTestId("test-result")).toBeVisible();
    await expect(page.getByTestId("test-response")).toContainText("thanks");
    await expect(page.getByTestId("signed-string")).toContainText('"event":"Webhook.Test"');
    expect(posts).toHaveLength(1);
    expect(JSON.parse(posts[0].body)).toMatchObject({ event: "Webhook.Test", data: { message: expect.any(String) } });

    // The secret, revealed (and recorded), verifies what the receiver got.
    await page.getByRole("button", { name: "Reveal secret" }).click();
    const secret = (await page.getByTestId("webhook-secret").textContent())!.trim();
    expect(new Webhook(secret).verify(posts[0].body, posts[0].headers as Record<string, string>)).toMatchObject({ event: "Webhook.Test" });
    await expect(page.getByText(/revealed via dashboard/)).toBeVisible();

    // The delivery log shows the test with its attempt.
    await page.reload();
    const log = page.getByRole("table", { name: "Deliveries" });
    await expect(log).toContainText("Webhook.Test");
    await expect(log).toContainText("HTTP 200");
    await expect(log).toContainText("succeeded");

    // The API agrees: the endpoint with its signature, and the log.
    const id = page.url().split("/").pop();
    const headers = { authorization: `Bearer ${E2E.bootstrapApiKey}` };
    const got = await page.request.get(`/api/v1/webhooks/${id}`, { headers });
    expect((await got.json()).data).toMatchObject({ status: "active", url, rate_limit: 5, rate_limit_period: "second", signature: { key: secret, hash_function: "sha256" } });
    const deliveries = await page.request.get(`/api/v1/webhooks/${id}/deliveries`, { headers });
    expect((await deliveries.json()).data[0]).toMatchObject({ event: "Webhook.Test", status: "succeeded", attempt_log: [expect.objectContaining({ status_code: 200 })] });

    // A loopback address outside the allow list is refused at creation.
    const refused = await page.request.post("/api/v1/webhooks", { headers, data: { event: "Email.Opened", url: `http://127.0.0.2:${port}/x` } });
    expect(refused.status()).toBe(422);
    expect((await refused.json()).error.code).toBe("url_refused");
  } finally {
    server.close();
  }
});
