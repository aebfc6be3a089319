/**
 * Concurrent calls with the same key share one run: the first starts it, later ones wait for the same promise.
 * The entry is removed when the run settles, so a later call starts afresh (evidence reuse makes it cheap).
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** `shared` is true when this call joined a run another call started. */
  run(key: string, start: () => Promise<T>): { promise: Promise<T>; shared: boolean } {
    const existing = this.running.get(key);
    if (existing) return { promise: existing, shared: true };
    const promise = start().finally(() => this.running.delete(key));
    this.running.set(key, promise);
    return { promise, shared: false };
  }

  get size(): number {
    return this.running.size;
  }
}
