import { createInflate, createInflateRaw, type Inflate, type InflateRaw } from 'node:zlib';
import { ScanStop } from '../errors.js';

/** Inflated bytes per output chunk (node's default is 16 KiB; larger chunks mean fewer async hand-offs). */
export const OUTPUT_CHUNK = 64 * 1024;

/**
 * Streams a deflate (raw) or zlib stream through node:zlib with backpressure: `write` resolves only when its
 * input was consumed and every byte it produced was handed to `onOutput` (awaited), so memory stays bounded
 * (node's inflater pauses while its output buffer is full). It also tells how much input the stream used:
 * ZIP entries with a data descriptor and concatenated gzip members end where the deflate stream ends.
 */
export class InflatePump {
  private readonly z: Inflate | InflateRaw;
  private error: Error | undefined;
  private ended = false;
  private poked = false;
  private wake: (() => void) | undefined;
  /** True once the compressed stream reached its end; later input is not consumed. */
  finished = false;

  constructor(
    kind: 'raw' | 'zlib',
    private readonly onOutput: (chunk: Uint8Array) => void | Promise<void>,
  ) {
    const options = { chunkSize: OUTPUT_CHUNK };
    this.z = kind === 'raw' ? createInflateRaw(options) : createInflate(options);
    this.z.on('readable', () => this.poke());
    this.z.on('end', () => {
      this.ended = true;
      this.finished = true;
      this.poke();
    });
    this.z.on('error', (err) => {
      this.error = err;
      this.poke();
    });
  }

  /** Feed compressed bytes; returns how many were consumed (fewer than given when the stream ended inside them). */
  async write(chunk: Uint8Array): Promise<number> {
    this.check();
    if (this.finished || chunk.length === 0) return 0;
    const before = this.z.bytesWritten;
    let written = false;
    this.z.write(chunk, () => {
      written = true;
      this.poke();
    });
    await this.drain(() => written);
    this.check();
    const used = this.z.bytesWritten - before;
    if (used < chunk.length) this.finished = true;
    return used;
  }

  /** No more input: flush, deliver the rest, and fail with TRUNCATED if the stream did not end. */
  async end(): Promise<void> {
    this.check();
    if (!this.finished) this.z.end();
    await this.drain(() => this.ended);
    this.check();
    this.z.destroy();
  }

  /** Stop without reading further (after a limit or an error elsewhere). */
  abort(): void {
    this.z.destroy();
  }

  private async drain(done: () => boolean): Promise<void> {
    for (;;) {
      this.poked = false;
      let out: Uint8Array | null;
      while ((out = this.z.read() as Uint8Array | null) !== null) {
        try {
          await this.onOutput(out);
        } catch (err) {
          // A limit downstream (e.g. the expansion guard) stops the stream: release the native inflater now.
          this.z.destroy();
          throw err;
        }
      }
      if (this.error) return;
      if (done() && this.z.readableLength === 0) return;
      if (this.poked) continue;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private poke(): void {
    this.poked = true;
    this.wake?.();
  }

  private check(): void {
    const err = this.error;
    if (!err) return;
    this.z.destroy();
    const code = (err as { code?: string }).code;
    if (code === 'Z_BUF_ERROR')
      throw new ScanStop('TRUNCATED', 'compressed stream ends before its end marker');
    throw new ScanStop('PARSE_ERROR', `compressed data invalid (${code ?? 'error'}: ${err.message})`);
  }
}
