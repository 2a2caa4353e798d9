// The work queue of a conventional controller (client-go's semantics): a key is queued at most once,
// never processed by two workers at once (a change during processing queues it again afterwards),
// and a failing key is retried with per-key exponential backoff.
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private waiters: Array<(key: string) => void> = [];

  get depth(): number {
    return this.queue.length + this.processing.size;
  }

  add(key: string): void {
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.queue.push(key);
  }

  /** The next key; the caller owns it until done(). */
  next(): Promise<string> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string, failed: boolean): void {
    this.processing.delete(key);
    if (failed) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      setTimeout(() => this.add(key), Math.min(50 * 2 ** (n - 1), 10_000)).unref();
    } else this.failures.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }
}
