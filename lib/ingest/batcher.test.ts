import { describe, expect, it } from "vitest";
import type { Db } from "@/db";
import { createIngestBatcher } from "./batcher";
import type { IngestInput, IngestResult } from "./ingest";
import type { PostmarkEvent } from "./postmark-payload";

/**
 * The batcher's scheduling, with a write whose timing the test decides (each call waits until the
 * test finishes it). What reaches PostgreSQL is covered in ingest.db.test.ts.
 */
function harness(options: { concurrency?: number; maxBatch?: number; maxBatchBytes?: number } = {}) {
  const calls: { inputs: IngestInput[]; finish: () => void }[] = [];
  const batcher = createIngestBatcher(null as unknown as Db, {
    ...options,
    write: (inputs) =>
      new Promise<IngestResult[]>((resolve) => {
        calls.push({ inputs, finish: () => resolve(inputs.map(() => ({ outcome: "stored", eventId: 1, messageId: null }))) });
      }),
  });
  let n = 0;
  const post = (rawText?: string) => batcher.ingest({ event: { RecordType: "Delivery", MessageID: `pm-${++n}` } as PostmarkEvent, rawText });
  // A finished write settles its batch in a later microtask; the next batch starts after that.
  const settle = () => new Promise((r) => setImmediate(r));
  return { batcher, calls, post, settle, sizes: () => calls.map((c) => c.inputs.length) };
}

describe("the ingest batcher's transactions", () => {
  it("writes an event at once when nothing is being written, and a second beside a running batch of one", async () => {
    const h = harness();
    const first = h.post();
    expect(h.sizes()).toEqual([1]);
    const second = h.post();
    expect(h.sizes()).toEqual([1, 1]);
    h.calls.forEach((c) => c.finish());
    expect((await Promise.all([first, second])).map((r) => r.outcome)).toEqual(["stored", "stored"]);
  });

  it("starts a transaction beside a running one only when it would carry as many events, and otherwise when one finishes", async () => {
    const h = harness();
    const posts = [h.post(), h.post()]; // two transactions of one
    for (let i = 0; i < 4; i++) posts.push(h.post()); // queued: both slots are taken
    expect(h.sizes()).toEqual([1, 1]);
    expect(h.batcher.queued).toBe(4);

    h.calls[0].finish();
    await h.settle();
    expect(h.sizes()).toEqual([1, 1, 4]); // a slot is free and 4 ≥ the running batch's 1

    for (let i = 0; i < 3; i++) posts.push(h.post());
    h.calls[1].finish();
    await h.settle();
    // A slot is free, but 3 events would make a smaller transaction than the running one of 4: they wait.
    expect(h.sizes()).toEqual([1, 1, 4]);
    expect(h.batcher.queued).toBe(3);
    expect(h.batcher.running).toBe(1);

    posts.push(h.post()); // the fourth: as many as the running batch
    expect(h.sizes()).toEqual([1, 1, 4, 4]);

    posts.push(h.post());
    h.calls[2].finish();
    h.calls[3].finish();
    await h.settle();
    expect(h.sizes()).toEqual([1, 1, 4, 4, 1]); // nothing running: the one left goes at once
    h.calls[4].finish();
    expect((await Promise.all(posts)).length).toBe(11);
    expect(h.batcher.stats).toMatchObject({ batches: 5, events: 11, largest: 4 });
  });

  it("starts one beside a running batch as soon as the queue fills a batch's bytes, however few events that is", async () => {
    const h = harness({ maxBatchBytes: 2_000 });
    const small = () => h.post("{}");
    const posts = [small(), small(), small(), small(), small()];
    h.calls[0].finish();
    await h.settle();
    h.calls[1].finish();
    await h.settle();
    expect(h.sizes()).toEqual([1, 1, 3]);
    expect(h.batcher.running).toBe(1);
    posts.push(h.post("x".repeat(1_200)));
    expect(h.sizes()).toEqual([1, 1, 3]); // one event of 1,200 bytes: neither 3 events nor 2,000 bytes
    posts.push(h.post("y".repeat(1_200)));
    expect(h.sizes()).toEqual([1, 1, 3, 1]); // 2,400 bytes queued: a full batch, which holds one of them
    expect(h.batcher.queued).toBe(1);
    h.calls[2].finish();
    h.calls[3].finish();
    await h.settle();
    expect(h.sizes()).toEqual([1, 1, 3, 1, 1]);
    h.calls[4].finish();
    expect((await Promise.all(posts)).every((r) => r.outcome === "stored")).toBe(true);
  });
});
