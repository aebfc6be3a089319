/** SHA-256 of one artifact's bytes, fed in order. `update` may apply backpressure; the chunk may be reused after it. */
export interface Hasher {
  update(chunk: Uint8Array): void | Promise<void>;
  /** Hex digest of everything fed. */
  digest(): Promise<string>;
}
