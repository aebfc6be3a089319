/**
 * A consumer of one object's bytes, fed in order, exactly once. Detectors and container expanders are sinks.
 * `write` may return a promise (e.g. when it feeds an async decompressor); the caller awaits it before the
 * next write. The chunk is only valid until the returned promise settles: copy what you keep.
 */
export interface ByteSink {
  write(chunk: Uint8Array): void | Promise<void>;
  /** No more bytes. The sink reports anything pending (e.g. truncation) before this settles. */
  end(): void | Promise<void>;
}
