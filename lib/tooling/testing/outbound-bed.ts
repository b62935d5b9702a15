/**
 * Tests only: the bed the outbound webhook *.db.test.ts files share. A test database, receivers on
 * 127.0.0.1 (no test sends anything to another address), deps whose clock a test moves by setting
 * `bed.clock`, and helpers for a verified endpoint and queued events. Registers its own hooks: after
 * each test every endpoint is archived (so fan-out only reaches the next test's own) and the clock
 * goes back to the real time.
 */
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { webhookEndpoints } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createAddressPolicy } from "@/lib/outbound-webhooks/address-policy";
import type { OutboundDeps } from "@/lib/outbound-webhooks/deps";
import { createEndpoint, verificationFileName, verifyEndpoint, type CreateEndpointInput, type WebhookEndpoint } from "@/lib/outbound-webhooks/endpoints";
import { enqueueOutboundEvent } from "@/lib/outbound-webhooks/outbox";
import { startReceiver, type Receiver } from "@/lib/outbound-webhooks/test-support";

type Delivered = { event: "Email.Delivered"; data: { seq: number; recipient: string }; occurredAt: Date };

export function outboundTestBed() {
  let t: TestDatabase | undefined;
  const receivers: Receiver[] = [];
  let seq = 0;
  const bed = {
    clock: new Date(),
    get t(): TestDatabase {
      if (!t) throw new Error("the test database exists from beforeAll on");
      return t;
    },
    get db(): TestDatabase["db"] {
      return bed.t.db;
    },
    deps: {
      policy: createAddressPolicy(["127.0.0.1"]),
      accountId: "acct_test",
      now: (): Date => bed.clock,
      random: () => 0.5,
      emailer: null,
      timeoutMs: 3000,
    } as OutboundDeps,

    async receiver(options: Parameters<typeof startReceiver>[0] = {}): Promise<Receiver> {
      const r = await startReceiver(options);
      receivers.push(r);
      return r;
    },

    /** An endpoint on a fresh receiver (or `r`), verified through its file, so events reach it. */
    async liveEndpoint(input: Partial<CreateEndpointInput> = {}, r?: Receiver): Promise<{ endpoint: WebhookEndpoint; receiver: Receiver }> {
      const rec = r ?? (await bed.receiver());
      const endpoint = await createEndpoint(
        bed.db,
        { settings: { events: ["Email.Delivered", "Webhook.Test", "Email.Sent"], url: rec.url("/hooks/postline"), rate_limit: 1000, rate_limit_period: "second", ...input } },
        bed.deps,
      );
      rec.files[`/hooks/${verificationFileName(endpoint.verificationToken)}`] = endpoint.verificationToken;
      const verified = await verifyEndpoint(bed.db, endpoint.id, bed.deps);
      expect(verified.ok).toBe(true);
      return { endpoint: verified.endpoint, receiver: rec };
    },

    /** An Email.Delivered event numbered `n` (by default the next number), a second before the clock. */
    delivered(n = ++seq): Delivered {
      return { event: "Email.Delivered" as const, data: { seq: n, recipient: `r${n}@example.com` }, occurredAt: new Date(bed.clock.getTime() - 1000) };
    },

    async enqueue(...events: Delivered[]): Promise<void> {
      await bed.db.transaction(async (tx) => {
        for (const e of events) await enqueueOutboundEvent(tx, e);
      });
    },
  };

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await t?.drop();
  });
  afterEach(async () => {
    await bed.db.update(webhookEndpoints).set({ status: "archived" });
    bed.clock = new Date();
  });
  return bed;
}
