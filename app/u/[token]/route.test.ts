import { describe, expect, it } from "vitest";
import { POST } from "./route";

const context = { params: Promise.resolve({ token: "forged" }) };

/** A client that keeps sending: 64 KiB chunks on demand, up to `total` bytes, counting what was pulled. */
function endlessBody(total: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.error(new Error("the client gave up"));
      const chunk = new Uint8Array(64 * 1024).fill(0x61);
      pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

describe("POST /u/{token} with an oversized body", () => {
  it("answers 413 after reading at most the cap, without buffering the rest", async () => {
    const body = endlessBody(64 * 1024 * 1024);
    const req = new Request("http://127.0.0.1/u/forged", { method: "POST", body: body.stream, duplex: "half" } as RequestInit);
    const res = await POST(req, context);
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/too large/i);
    // The cap is a few KiB; one chunk past it is the most a capped reader pulls.
    expect(body.pulled()).toBeLessThanOrEqual(128 * 1024);
  });

  it("refuses a declared Content-Length over the cap before reading anything", async () => {
    const body = endlessBody(64 * 1024 * 1024);
    const req = new Request("http://127.0.0.1/u/forged", { method: "POST", body: body.stream, duplex: "half", headers: { "content-length": String(10 * 1024 * 1024) } } as RequestInit);
    const res = await POST(req, context);
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(64 * 1024);
  });
});
