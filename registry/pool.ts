/**
 * A counting semaphore: at most `size` tasks run at once. `start` waits for a free slot, starts the task and
 * returns its completion, so a producer that awaits `start` never runs ahead of the workers.
 */
export class Pool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be >= 1, got ${size}`);
  }

  async start<T>(task: () => Promise<T>): Promise<{ done: Promise<T> }> {
    // A finishing task hands its slot straight to the next waiter, so no caller can slip in between.
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    const done = (async () => {
      try {
        return await task();
      } finally {
        const next = this.waiting.shift();
        if (next) next();
        else this.running--;
      }
    })();
    return { done };
  }

  get active(): number {
    return this.running;
  }
}
