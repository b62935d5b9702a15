/**
 * Runs callbacks at given times with one timer for all of them (a binary heap ordered by time, then by
 * insertion), so 100,000 scheduled events cost an array, not 100,000 timers. Ties keep insertion
 * order, which keeps a message's events in sequence when they are due at the same millisecond.
 */
interface Task {
  due: number;
  seq: number;
  run: () => void;
}

export class Scheduler {
  private heap: Task[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private stopped = false;

  constructor(private readonly onIdle: () => void = () => {}) {}

  get size(): number {
    return this.heap.length;
  }

  at(due: number, run: () => void): void {
    if (this.stopped) return;
    this.push({ due, seq: this.seq++, run });
    this.arm();
  }

  /** Drops every pending task; used by reset and close. */
  clear(): void {
    this.heap = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private arm(): void {
    const next = this.heap[0];
    if (!next || next.due >= this.timerDue) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = next.due;
    this.timer = setTimeout(() => this.tick(), Math.max(0, next.due - Date.now()));
    // The process may exit with retries minutes away; the sandbox's server keeps it alive while it runs.
    this.timer.unref();
  }

  private tick(): void {
    this.timer = null;
    this.timerDue = Infinity;
    const now = Date.now();
    // Bounded per tick so a burst of due tasks cannot starve the HTTP server.
    for (let n = 0; n < 5000 && this.heap.length && this.heap[0].due <= now; n++) {
      const task = this.pop()!;
      task.run();
    }
    if (this.heap.length) {
      if (this.heap[0].due <= now) {
        this.timerDue = now;
        this.timer = setTimeout(() => this.tick(), 0);
        this.timer.unref();
      } else this.arm();
    } else this.onIdle();
  }

  private less(a: Task, b: Task): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(task: Task): void {
    const h = this.heap;
    h.push(task);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Task | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
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
