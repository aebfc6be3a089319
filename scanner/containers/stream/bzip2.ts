import type { Detector, DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import type { ByteSink } from '../../sink.js';
import { decodeBzip2Block, NEED_MORE } from './bzip2-block.js';
import { StreamOutput, TrailingData } from './output.js';

/** Most compressed bytes held for one block (a 900k bzip2 block compresses to well under this). */
export const MAX_BZIP2_WINDOW = 8 * 1024 * 1024;
/** A block decode is first tried with this many bytes, then with twice as many after each shortfall. */
const FIRST_ATTEMPT = 16 * 1024;

/**
 * bzip2 (e.g. `.tar.bz2`, joblib compress='bz2'), concatenated streams included, expanded into `<bunzip2>`.
 * Compressed bytes are held only for the block being decoded (bounded); each block's output is passed on
 * before the next is read. Blocks are bit-aligned, so a decode is retried when more bytes arrived
 * (doubling, so the retries cost at most about as much again as one decode).
 */
class Bzip2Reader implements ByteSink {
  private data = new Uint8Array(64 * 1024);
  private length = 0;
  private bit = 0;
  private level = 0;
  private streams = 0;
  private attemptAt = FIRST_ATTEMPT;
  private state: 'header' | 'blocks' | 'trailing' = 'header';
  private dropped = 0;
  private readonly out: StreamOutput;
  private readonly trailing: TrailingData;

  constructor(private readonly ctx: DetectorContext) {
    this.out = new StreamOutput(ctx, '<bunzip2>');
    this.trailing = new TrailingData(ctx, 'bzip2 stream');
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.state === 'trailing') return this.trailing.write(chunk, this.dropped + this.length);
    this.append(chunk);
    await this.pump(false);
  }

  async end(): Promise<void> {
    await this.pump(true);
    if (this.state === 'blocks')
      throw new ScanStop(
        'TRUNCATED',
        'bzip2 stream ends before its end-of-stream marker',
        this.dropped + this.length,
      );
    if (this.state === 'header' && this.length > this.bit / 8)
      throw new ScanStop('TRUNCATED', 'bzip2 stream ends inside a header');
    await this.out.end();
    await this.trailing.end();
    this.ctx.scanned('bzip2', `bzip2: ${this.streams} streams, ${this.out.expanded} bytes expanded`);
  }

  private append(chunk: Uint8Array): void {
    const need = this.length + chunk.length;
    if (need - Math.floor(this.bit / 8) > MAX_BZIP2_WINDOW) {
      throw new ScanStop(
        'PARSE_ERROR',
        `bzip2 block longer than ${MAX_BZIP2_WINDOW} compressed bytes`,
        this.dropped + this.length,
      );
    }
    if (need > this.data.length) {
      const grown = new Uint8Array(Math.max(need, this.data.length * 2));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(chunk, this.length);
    this.length = need;
  }

  private async pump(complete: boolean): Promise<void> {
    for (;;) {
      const byte = this.bit / 8;
      if (this.state === 'header') {
        if (this.length - byte < 4) {
          if (complete && this.length > byte && this.streams > 0) await this.toTrailing(byte);
          return;
        }
        const h = this.data.subarray(byte, byte + 4);
        if (h[0] !== 0x42 || h[1] !== 0x5a || h[2] !== 0x68 || h[3]! < 0x31 || h[3]! > 0x39) {
          if (this.streams === 0) throw new ScanStop('PARSE_ERROR', 'not a bzip2 stream');
          return this.toTrailing(byte);
        }
        this.level = h[3]! - 0x30;
        this.streams++;
        this.bit += 32;
        this.state = 'blocks';
        continue;
      }
      if (this.state !== 'blocks') return;
      const start = Math.floor(this.bit / 8);
      if (!complete && this.length - start < this.attemptAt) return;
      let r;
      try {
        r = decodeBzip2Block(
          this.data.subarray(start, this.length),
          this.bit - start * 8,
          this.level,
          complete,
        );
      } catch (err) {
        if (err !== NEED_MORE) throw err;
        this.attemptAt = Math.min(MAX_BZIP2_WINDOW, (this.length - start) * 2);
        return;
      }
      this.attemptAt = FIRST_ATTEMPT;
      this.out.input(Math.ceil(r.nextBit / 8));
      this.bit = start * 8 + r.nextBit;
      this.compact();
      for (const piece of r.output) await this.out.write(piece);
      if (!r.block) this.state = 'header';
    }
  }

  private async toTrailing(byte: number): Promise<void> {
    this.state = 'trailing';
    await this.trailing.write(this.data.slice(byte, this.length), this.dropped + byte);
    this.length = 0;
  }

  /** Drop the bytes before the current block. */
  private compact(): void {
    const start = Math.floor(this.bit / 8);
    if (start === 0) return;
    this.data.copyWithin(0, start, this.length);
    this.length -= start;
    this.dropped += start;
    this.bit -= start * 8;
  }
}

export const bzip2Detector: Detector = {
  id: 'bzip2',
  version: 1,
  formats: ['bzip2'],
  create: (ctx) => new Bzip2Reader(ctx),
};
