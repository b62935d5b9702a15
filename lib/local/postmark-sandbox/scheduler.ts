/**
 * Runs callbacks at given times with one timer for all of them (a binary heap ordered by time, then by
 * insertion), so 100,000 scheduled events cost an array, not 100,000 timers. Ties keep insertion
 * order, which keeps a message's events in sequence when they are due at the same millisecond.
 *
 * Tasks belong to a lane (`"event"`, `"post"`…) so a caller can ask when a lane's next task is due
 * (`nextDue`). The clock is the wall clock, or a virtual one (`virtualStart`) for in-process
 * simulations: it stands still until `advanceTo` moves it, running each task at its own due time.
 */
interface Task {
  due: number;
  seq: number;
  lane: string;
  run: () => void;
}

/** A binary min-heap. */
class Heap<T> {
  private items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  clear(): void {
    this.items = [];
  }

  push(item: T): void {
    const h = this.items;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  pop(): T | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

export class Scheduler {
  private heap = new Heap<Task>((a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq));
  /** Each lane's due times. Tasks run in due order, so the task being run is always its lane's minimum. */
  private lanes = new Map<string, Heap<number>>();
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private stopped = false;
  private virtualNow: number | null;

  constructor(
    private readonly onIdle: () => void = () => {},
    options: { virtualStart?: number } = {},
  ) {
    this.virtualNow = options.virtualStart ?? null;
  }

  get size(): number {
    return this.heap.size;
  }

  get virtual(): boolean {
    return this.virtualNow !== null;
  }

  /** The scheduler's clock in ms since the epoch. */
  now(): number {
    return this.virtualNow ?? Date.now();
  }

  at(due: number, run: () => void, lane = "default"): void {
    if (this.stopped) return;
    this.heap.push({ due, seq: this.seq++, lane, run });
    let dues = this.lanes.get(lane);
    if (!dues) this.lanes.set(lane, (dues = new Heap<number>((a, b) => a < b)));
    dues.push(due);
    this.arm();
  }

  /** When the next task of `lane` (or of any lane) is due; undefined when none is waiting. */
  nextDue(lane?: string): number | undefined {
    return lane === undefined ? this.heap.peek()?.due : this.lanes.get(lane)?.peek();
  }

  /** Virtual clock only: moves the clock to `to`, running every task due by then at its own due time. */
  advanceTo(to: number): void {
    if (this.virtualNow === null) throw new Error("advanceTo needs a virtual clock");
    for (let next = this.heap.peek(); next && next.due <= to; next = this.heap.peek()) {
      this.virtualNow = Math.max(this.virtualNow, next.due);
      this.runNext();
    }
    this.virtualNow = Math.max(this.virtualNow, to);
    if (!this.heap.size) this.onIdle();
  }

  /** Drops every pending task; used by reset and close. */
  clear(): void {
    this.heap.clear();
    this.lanes.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private runNext(): void {
    const task = this.heap.pop()!;
    this.lanes.get(task.lane)!.pop();
    task.run();
  }

  private arm(): void {
    const next = this.heap.peek();
    if (!next || next.due >= this.timerDue) return;
    // A virtual clock does not move by itself: only tasks already due run on their own.
    if (this.virtualNow !== null && next.due > this.virtualNow) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = next.due;
    this.timer = setTimeout(() => this.tick(), Math.max(0, next.due - this.now()));
    // The process may exit with retries minutes away; the sandbox's server keeps it alive while it runs.
    this.timer.unref();
  }

  private tick(): void {
    this.timer = null;
    this.timerDue = Infinity;
    const now = this.now();
    // Bounded per tick so a burst of due tasks cannot starve the HTTP server.
    for (let n = 0; n < 5000 && this.heap.size && this.heap.peek()!.due <= now; n++) this.runNext();
    if (this.heap.size) {
      if (this.heap.peek()!.due <= now) {
        this.timerDue = now;
        this.timer = setTimeout(() => this.tick(), 0);
        this.timer.unref();
      } else this.arm();
    } else this.onIdle();
  }
}
