import { describe, expect, it } from "vitest";
import { GET, HEAD } from "./route";

describe("GET/HEAD /h/{campaignId} (the honeypot link's landing)", () => {
  it("answers an empty, unindexed, uncached page", async () => {
    const res = GET();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-robots-tag")).toBe("noindex");
    const html = await res.text();
    expect(html).toContain('<meta name="robots" content="noindex">');
    // Nothing a person or a prober could read: no text in the body.
    expect(html).toMatch(/<body><\/body>/);
  });

  it("answers HEAD with the same headers and no body", async () => {
    const res = HEAD();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-robots-tag")).toBe("noindex");
    expect(res.headers.get("content-length")).toBe(String(Buffer.byteLength(await GET().text())));
    expect(await res.text()).toBe("");
  });

  it("takes no arguments: every id, real, unknown or malformed, gets the same answer", () => {
    // The handlers read neither the request nor the path, so no id can change the answer.
    expect(GET.length).toBe(0);
    expect(HEAD.length).toBe(0);
  });
});
