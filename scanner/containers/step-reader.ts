import type { ByteSink } from '../sink.js';

/**
 * A container reader written as a state machine: `step` consumes part of a chunk from `pos` (possibly waiting on a
 * member or an inflater) and returns where it stopped; `offset` is the absolute offset of the next unread byte.
 */
export abstract class StepReader implements ByteSink {
  protected offset = 0;

  async write(chunk: Uint8Array): Promise<void> {
    let pos = 0;
    while (pos < chunk.length) {
      const start = pos;
      pos = await this.step(chunk, pos);
      this.offset += pos - start;
    }
  }

  abstract end(): Promise<void>;

  /** Consume bytes of `buf` from `pos`; return the position reached (greater than `pos` unless the chunk ended). */
  protected abstract step(buf: Uint8Array, pos: number): Promise<number>;
}
