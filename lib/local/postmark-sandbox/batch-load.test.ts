/**
 * A scaled-down version of the campaign benchmark's load: full 500-message batches from four concurrent
 * senders with 30 ms injected latency per call; every message is accepted once, the outbound search finds
 * a batch by its metadata, and every event's webhook reaches the receiver. How fast is bench:dispatch's
 * question: timings never decide a test on these shared machines (this one failed under a load of 14).
 */
import { describe, expect, it } from "vitest";
import { createPostmarkClient } from "../../postmark/client";
import { startPostmarkSandbox } from "./server";
import { startReceiver } from "./test-support";

describe("throughput", () => {
  it("accepts 20,000 recipients in 500-message batches from four senders and posts all their webhooks", async () => {
    const receiver = await startReceiver();
    const sandbox = await startPostmarkSandbox({
      serverToken: "bench",
      delayMs: 5,
      faults: { latencyMs: 30 },
      rates: { open: 0.45, click: 0.1, hardbounce: 0.01, softbounce: 0.01, spam: 0.002, unsubscribe: 0.005 },
      webhook: { url: receiver.url, headers: { "X-Webhook-Secret": "s" } },
    });
    try {
      const client = createPostmarkClient({ serverToken: "bench", apiUrl: sandbox.url, timeoutSeconds: 30 });
      const N = 20_000;
      let next = 0;
      const sender = async () => {
        while (next < N) {
          const start = next;
          next += 500;
          const results = await client.sendEmailBatch(
            Array.from({ length: 500 }, (_, i) => ({
              From: "news@postline.test",
              To: `bench-${start + i}@example.com`,
              Subject: "Spring news",
              HtmlBody: `<p>Hello ${start + i}, <a href="https://postline.test/offer">offer</a></p>`,
              Metadata: { postline_message_id: String(start + i), postline_batch_id: String(start) },
              MessageStream: "broadcast",
            })),
          );
          expect(results.every((r) => r.ErrorCode === 0)).toBe(true);
        }
      };
      await Promise.all([sender(), sender(), sender(), sender()]);

      const page = await client.getOutboundMessages({ count: 500, offset: 0, metadata_postline_batch_id: "10000" } as never);
      expect(page.TotalCount).toBe(500);

      await sandbox.flushWebhooks({ timeoutMs: 60_000 });
      const stats = sandbox.stats();
      expect(stats.sent).toBe(N);
      expect(receiver.posts.length).toBe(stats.events);
      expect(stats.webhookDelivered).toBe(stats.events);
      expect(receiver.posts.filter((p) => p.body.RecordType === "Delivery").length).toBeGreaterThan(N * 0.97);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  }, 60_000);
});
