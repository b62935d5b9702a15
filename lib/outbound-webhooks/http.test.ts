import { afterAll, describe, expect, it } from "vitest";
import { createAddressPolicy, type Resolver } from "./address-policy";
import { requestWebhook } from "./http";
import { startReceiver, type Receiver } from "./test-support";

// Receivers on 127.0.0.1 only; 127.0.0.2 appears in resolver answers but is never connected to.
const receivers: Receiver[] = [];
afterAll(() => Promise.all(receivers.map((r) => r.close())));

describe("requestWebhook", () => {
  it("connects to the address its own lookup checked: a name rebound between check and connect is refused", async () => {
    const rec = await startReceiver();
    receivers.push(rec);
    const answers = ["127.0.0.1", "127.0.0.2"];
    let call = 0;
    // First answer (the pre-check) is allowed; the second (the socket's lookup) is not.
    const resolver: Resolver = async () => [{ address: answers[Math.min(call++, answers.length - 1)], family: 4 }];
    const outcome = await requestWebhook(createAddressPolicy(["127.0.0.1"], resolver), { method: "POST", url: `http://rebind.test:${rec.port}/in`, body: "{}" });
    expect(outcome.kind).toBe("refused");
    expect(outcome.kind === "refused" && outcome.error).toContain("127.0.0.2");
    expect(call).toBe(2);
    expect(rec.received).toHaveLength(0);
  });

  it("reaches an allowed name through the checked address, and refuses IP literals outside the allow list without connecting", async () => {
    const rec = await startReceiver({ respond: () => ({ status: 201, body: "x".repeat(10_000) }) });
    receivers.push(rec);
    const policy = createAddressPolicy(["127.0.0.1"], async () => [{ address: "127.0.0.1", family: 4 }]);
    const ok = await requestWebhook(policy, { method: "POST", url: `http://receiver.test:${rec.port}/in`, body: '{"a":1}' });
    expect(ok).toMatchObject({ kind: "response", status: 201, remoteAddress: "127.0.0.1" });
    expect(ok.kind === "response" && ok.excerpt.length).toBe(2048);
    expect(rec.received[0].headers.host).toBe(`receiver.test:${rec.port}`);

    for (const url of [`http://127.0.0.2:${rec.port}/`, `http://[::1]:${rec.port}/`, `http://2130706434:${rec.port}/`, "http://169.254.169.254/"]) {
      expect((await requestWebhook(policy, { method: "POST", url, body: "{}" })).kind, url).toBe("refused");
    }
  });
});
