import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostmarkSandbox, type PostmarkSandbox } from "../local/postmark-sandbox/server";
import { createPostmarkClient, parsePostmarkApiUrl } from "./client";

describe("parsePostmarkApiUrl", () => {
  it("splits a URL into postmark.js's requestHost and useHttps", () => {
    expect(parsePostmarkApiUrl("https://api.postmarkapp.com")).toEqual({ requestHost: "api.postmarkapp.com", useHttps: true });
    expect(parsePostmarkApiUrl("https://api.postmarkapp.com/")).toEqual({ requestHost: "api.postmarkapp.com", useHttps: true });
    expect(parsePostmarkApiUrl("http://127.0.0.1:4010")).toEqual({ requestHost: "127.0.0.1:4010", useHttps: false });
    expect(parsePostmarkApiUrl("https://example.test:443")).toEqual({ requestHost: "example.test", useHttps: true });
    expect(parsePostmarkApiUrl("http://[::1]:4010")).toEqual({ requestHost: "[::1]:4010", useHttps: false });
  });

  it("refuses what postmark.js cannot express", () => {
    expect(() => parsePostmarkApiUrl("127.0.0.1:4010")).toThrow(/http or https|not a URL/);
    expect(() => parsePostmarkApiUrl("ftp://x")).toThrow(/http or https/);
    expect(() => parsePostmarkApiUrl("http://x/prefix")).toThrow(/path/);
    expect(() => parsePostmarkApiUrl("not a url")).toThrow(/not a URL/);
  });
});

describe("createPostmarkClient", () => {
  let sandbox: PostmarkSandbox;
  beforeAll(async () => {
    sandbox = await startPostmarkSandbox({ serverToken: "client-test" });
  });
  afterAll(() => sandbox.close());

  it("reaches a plain-http server at the given host and port", async () => {
    const client = createPostmarkClient({ serverToken: "client-test", apiUrl: sandbox.url, timeoutSeconds: 5 });
    const r = await client.sendEmail({ From: "a@postline.test", To: "b@postline.test", Subject: "s", TextBody: "t" });
    expect(r.ErrorCode).toBe(0);
    expect(sandbox.messages().map((m) => m.messageId)).toEqual([r.MessageID]);
  });

  it("applies the timeout as postmark.js's total deadline", async () => {
    sandbox.setFaults({ latencyMs: 1500 });
    const client = createPostmarkClient({ serverToken: "client-test", apiUrl: sandbox.url, timeoutSeconds: 0.3 });
    const started = Date.now();
    await expect(client.getOutboundMessages({ count: 1, offset: 0 })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1200);
    sandbox.setFaults({});
  });
});
