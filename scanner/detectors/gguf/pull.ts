/**
 * A pull parser over pushed chunks: the parser is a generator that yields how many buffered bytes it needs
 * and is resumed once they have arrived. This lets a header parser be written as straight-line code while
 * the detector is fed arbitrary chunks (down to 1 byte). Only bytes not yet consumed are kept, and they are
 * copied before `write` returns, as the ByteSink contract requires.
 */
export type Pull<T> = Generator<number, T, void>;

export class Feed {
  private chunks: Uint8Array[] = [];
  /** Bytes buffered and not yet consumed. */
  available = 0;
  /** Bytes consumed since the start of the object. */
  consumed = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.available += chunk.length;
  }

  /** Copy what is still buffered so the caller's chunk can be released. */
  retain(): void {
    this.chunks = this.chunks.map((c) => c.slice());
  }

  /** Remove everything still buffered (for the caller to handle as data). */
  drain(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    this.consumed += this.available;
    this.available = 0;
    return out;
  }

  /** Consume exactly `n` bytes (`n <= available`); the result is only valid until the next push. */
  take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      this.advance(n);
      return out;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      this.advance(k);
    }
    return out;
  }

  /** Discard up to `n` bytes; returns how many were discarded. */
  drop(n: number): number {
    let done = 0;
    while (done < n && this.chunks.length > 0) {
      const k = Math.min(this.chunks[0]!.length, n - done);
      this.advance(k);
      done += k;
    }
    return done;
  }

  private advance(k: number): void {
    const c = this.chunks[0]!;
    if (k >= c.length) this.chunks.shift();
    else this.chunks[0] = c.subarray(k);
    this.available -= k;
    this.consumed += k;
  }
}

/** Wait until `n` bytes are buffered. */
export function* need(feed: Feed, n: number): Pull<void> {
  while (feed.available < n) yield n;
}

/** Consume and discard `n` bytes as they arrive (never buffers them). */
export function* skip(feed: Feed, n: number): Pull<void> {
  let left = n;
  while (left > 0) {
    if (feed.available === 0) yield 1;
    left -= feed.drop(left);
  }
}
