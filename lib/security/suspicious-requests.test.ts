import { describe, expect, it } from "vitest";
import { describeSuspiciousRequest } from "./suspicious-requests";

describe("describeSuspiciousRequest", () => {
  it("keeps header names only, lower-cased and deduplicated", () => {
    const d = describeSuspiciousRequest({ route: "/api/webhooks/postmark", ip: "1.2.3.4", reason: "secret_mismatch", headerNames: ["X-Webhook-Secret", "x-webhook-secret", "Content-Type"] });
    expect(d.headerNames).toEqual(["content-type", "x-webhook-secret"]);
    expect(JSON.stringify(d)).not.toContain("Secret-Value");
  });

  it("hashes the body and keeps a short excerpt without control characters", () => {
    const body = "{\"a\":1}\u0000\n" + "x".repeat(1000);
    const d = describeSuspiciousRequest({ route: "/r", ip: "1.2.3.4", reason: "r", headerNames: [], body });
    expect(d.bodySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(d.bodyExcerpt!.length).toBe(200);
    expect(d.bodyExcerpt).not.toMatch(/[\u0000-\u001f]/);
    expect(d.bodyBytes).toBe(Buffer.byteLength(body));
  });
});
