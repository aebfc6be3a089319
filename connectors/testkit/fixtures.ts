/** Protocol-0 pickle that calls posix.system (a malicious test artifact; never executed). */
export const EVIL_PICKLE = new TextEncoder().encode("cposix\nsystem\n(S'echo x'\ntR.");

/** A small JSON config (a benign test artifact). */
export const CONFIG_JSON = new TextEncoder().encode('{"architectures":["BertModel"],"hidden_size":8}\n');

/** Deterministic pseudo-random bytes (big enough to be dropped mid-body). */
export function noiseBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Fast retries for tests. */
export const FAST_RETRY = { attempts: 4, baseMs: 1, maxMs: 5, maxRetryAfterMs: 5_000 } as const;

/** Collect an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
