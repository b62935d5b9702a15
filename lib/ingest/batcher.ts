import type { Db } from "@/db";
import { isDatabaseUnavailable } from "@/lib/errors";
import { ingestPostmarkEvents, type IngestInput, type IngestResult } from "./ingest";

/**
 * Group commit for the webhook route. Each request still gets its answer only after the transaction
 * holding its event has committed, but requests that arrive while earlier ones are being written share
 * the next transaction: the fixed cost of a transaction (round trips, locks, the durable commit) is
 * paid once per batch instead of once per event.
 *
 * Nothing waits on a timer. With nothing being written, an event goes to the database at once,
 * alone; batches only form when the database is already busy, and grow with the load (up to
 * `maxBatch`). Up to `concurrency` transactions run at once, so one's commit is hidden behind
 * another's work, but a transaction starts beside running ones only when it would carry at least as
 * many events as the smallest of them (or a full batch): otherwise the events wait for the next one
 * to finish. Each transaction has a fixed cost in PostgreSQL, and where PostgreSQL shares the cores
 * with the app, many small transactions take CPU from the app's thread: starting the second at once
 * made a sixth more transactions and cost PostgreSQL about an eighth more CPU an event
 * (bench:ingest, BENCHMARKS.md). The rule keeps itself stable: a batch started with nothing running
 * takes whatever is queued, so a threshold too high for the load falls at the next batch.
 *
 * A batch that fails is not allowed to take innocent events down with it: on an ordinary error the
 * batch is retried one event at a time, so only the event that really fails gets the error. When
 * PostgreSQL is unreachable, the batch and everything queued behind it fail at once (503, Postmark
 * retries) rather than each waiting out its own connection timeout.
 */
export interface IngestBatcher {
  ingest(input: IngestInput): Promise<IngestResult>;
  /** Events waiting for a transaction, and transactions in flight (for tests and diagnostics). */
  readonly queued: number;
  readonly running: number;
  /**
   * Transactions started and events written so far (their ratio is the mean batch size), the largest
   * batch, and how many events were left for a later batch because their message was being written.
   */
  readonly stats: { batches: number; events: number; largest: number; held: number };
}

const sizeOf = (p: Pending) => p.input.rawText?.length ?? 1024;

interface Pending {
  input: IngestInput;
  /** Left for a later batch at least once (its message was being written). */
  held?: boolean;
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

export interface IngestBatcherOptions {
  maxBatch?: number;
  maxBatchBytes?: number;
  concurrency?: number;
  /** How a batch is written: ingestPostmarkEvents on `db` unless given (tests drive the timing with their own). */
  write?: (inputs: IngestInput[]) => Promise<IngestResult[]>;
}

export function createIngestBatcher(db: Db, options: IngestBatcherOptions = {}): IngestBatcher {
  const maxBatch = options.maxBatch ?? 200;
  // Bodies may be up to 1 MiB each (a Bounce can carry the message's content): a batch also stops at
  // this many bytes of raw JSON, so one statement's parameter stays small (always at least one event).
  const maxBatchBytes = options.maxBatchBytes ?? 4 * 1024 * 1024;
  const concurrency = options.concurrency ?? 2;
  const write = options.write ?? ((inputs: IngestInput[]) => ingestPostmarkEvents(db, inputs));
  const queue: Pending[] = [];
  const stats = { batches: 0, events: 0, largest: 0, held: 0 };

  async function run(batch: Pending[]): Promise<void> {
    try {
      const results = await write(batch.map((p) => p.input));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        for (const p of [...batch, ...queue.splice(0)]) p.reject(error);
      } else if (batch.length === 1) {
        batch[0].reject(error);
      } else {
        for (const p of batch) await run([p]);
      }
    }
  }

  // MessageIDs a running batch is writing. A batch classifying a message's opens or clicks at the same
  // time as another writes that message would find the row changed at write time and have to do it
  // again (ingest.ts), so such an event waits for the next batch instead; the rest go in order.
  const inFlight = new Map<string, number>();
  const messageIdOf = (p: Pending) => (p.input.event as { MessageID?: string | null }).MessageID ?? null;

  function takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const left: Pending[] = [];
    let bytes = 0;
    let i = 0;
    for (; i < queue.length && batch.length < maxBatch; i++) {
      const p = queue[i];
      if (batch.length > 0 && bytes + sizeOf(p) > maxBatchBytes) break;
      const id = messageIdOf(p);
      if (id !== null && inFlight.has(id)) {
        left.push(p);
        if (!p.held) stats.held++;
        p.held = true;
      }
      else {
        bytes += sizeOf(p);
        batch.push(p);
      }
    }
    queue.splice(0, i, ...left);
    return batch;
  }

  // Sizes of the batches being written (one entry per transaction in flight): another starts beside
  // them only with as many events queued as the smallest of them, or a full batch by count or bytes.
  const runningSizes: number[] = [];
  const worthAnotherTransaction = () => {
    if (runningSizes.length === 0) return true;
    if (queue.length >= Math.min(maxBatch, ...runningSizes)) return true;
    let bytes = 0;
    for (const p of queue) if ((bytes += sizeOf(p)) >= maxBatchBytes) return true;
    return false;
  };

  function pump(): void {
    while (runningSizes.length < concurrency && queue.length > 0 && worthAnotherTransaction()) {
      const batch = takeBatch();
      if (batch.length === 0) return; // everything queued waits for a running batch's messages
      const ids = batch.map(messageIdOf).filter((id): id is string => id !== null);
      for (const id of ids) inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
      runningSizes.push(batch.length);
      stats.batches++;
      stats.events += batch.length;
      stats.largest = Math.max(stats.largest, batch.length);
      void run(batch).finally(() => {
        for (const id of ids) {
          const n = inFlight.get(id)! - 1;
          if (n === 0) inFlight.delete(id);
          else inFlight.set(id, n);
        }
        runningSizes.splice(runningSizes.indexOf(batch.length), 1);
        pump();
      });
    }
  }

  return {
    ingest(input) {
      return new Promise<IngestResult>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        pump();
      });
    },
    get queued() {
      return queue.length;
    },
    get running() {
      return runningSizes.length;
    },
    stats,
  };
}
