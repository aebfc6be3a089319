import { StepReader } from '../step-reader.js';
import type { Detector, DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import { Gather, u32 } from '../gather.js';
import { decodeBlock, LZ4_WINDOW } from './lz4-block.js';
import { StreamOutput, TrailingData } from './output.js';

const MAGIC = 0x184d2204;
const BLOCK_MAX = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];

type State = 'magic' | 'desc' | 'skipSize' | 'blockSize' | 'block' | 'skip' | 'trailing';

/**
 * LZ4 frame format (lz4 frame spec 1.6), e.g. `joblib.dump(..., compress='lz4')`: concatenated and skippable
 * frames, linked or independent blocks, optional checksums (skipped, not verified). Each compressed block
 * (at most 4 MiB) is held, decoded by decodeBlock and passed on; 64 KiB of history is kept for linked blocks.
 */
class Lz4Reader extends StepReader {
  private state: State = 'magic';
  private readonly g = new Gather();
  private frames = 0;
  private blockMax = 0;
  private linked = false;
  private blockChecksum = 0;
  private contentChecksum = 0;
  private remaining = 0;
  private then: [State, number] = ['magic', 4];
  private raw = false;
  private window = new Uint8Array(0);
  private history = 0;
  private readonly out: StreamOutput;
  private readonly trailing: TrailingData;

  constructor(private readonly ctx: DetectorContext) {
    super();
    this.out = new StreamOutput(ctx, '<lz4>');
    this.trailing = new TrailingData(ctx, 'lz4 stream');
    this.g.start(4);
  }

  async end(): Promise<void> {
    if ((this.state !== 'magic' && this.state !== 'trailing') || this.g.partial) {
      throw new ScanStop('TRUNCATED', 'lz4 stream ends inside a frame', this.offset);
    }
    await this.out.end();
    await this.trailing.end();
    this.ctx.scanned('lz4', `lz4: ${this.frames} frames, ${this.out.expanded} bytes expanded`);
  }

  protected async step(buf: Uint8Array, pos: number): Promise<number> {
    if (this.state === 'trailing') {
      await this.trailing.write(buf.subarray(pos), this.offset);
      return buf.length;
    }
    if (this.state === 'skip') {
      const n = Math.min(this.remaining, buf.length - pos);
      this.remaining -= n;
      if (this.remaining === 0) this.next(...this.then);
      return pos + n;
    }
    const p = this.g.take(buf, pos);
    if (this.g.full) await this.gathered(this.g.bytes);
    return p;
  }

  private next(state: State, n: number): void {
    this.state = state;
    this.g.start(n);
  }

  private skip(n: number, then: State, gather: number): void {
    this.remaining = n;
    this.then = [then, gather];
    if (n === 0) this.next(then, gather);
    else this.state = 'skip';
  }

  private async gathered(b: Uint8Array): Promise<void> {
    switch (this.state) {
      case 'magic': {
        const magic = u32(b, 0);
        if (magic === MAGIC) return this.next('desc', 3);
        if ((magic & 0xfffffff0) === 0x184d2a50) return this.next('skipSize', 4);
        if (this.frames === 0) throw new ScanStop('PARSE_ERROR', 'not an lz4 frame');
        this.state = 'trailing';
        return this.trailing.write(b.slice(), this.offset);
      }
      case 'skipSize':
        return this.skip(u32(b, 0), 'magic', 4);
      case 'desc':
        return this.descriptor(b);
      case 'blockSize': {
        const size = u32(b, 0);
        if (size === 0) {
          this.frames++;
          return this.skip(this.contentChecksum, 'magic', 4);
        }
        this.raw = (size & 0x80000000) !== 0;
        const len = size & 0x7fffffff;
        if (len > this.blockMax)
          throw new ScanStop('PARSE_ERROR', `lz4 block of ${len} bytes exceeds the frame's ${this.blockMax}`);
        return this.next('block', len + this.blockChecksum);
      }
      case 'block':
        return this.block(b.subarray(0, b.length - this.blockChecksum));
      default:
        return;
    }
  }

  /** FLG, BD and one more byte were gathered: the header checksum, or the first content-size byte. */
  private descriptor(b: Uint8Array): void {
    const flg = b[0]!;
    const bd = b[1]!;
    if (flg >> 6 !== 1) throw new ScanStop('UNSUPPORTED_FORMAT', `lz4 frame version ${flg >> 6} is not read`);
    if (flg & 1) throw new ScanStop('UNSUPPORTED_FORMAT', 'lz4 frame needs an external dictionary; not read');
    this.blockMax = BLOCK_MAX[(bd >> 4) & 7]!;
    if (this.blockMax === 0) throw new ScanStop('PARSE_ERROR', 'lz4 frame block size code invalid');
    this.linked = (flg & 0x20) === 0;
    this.blockChecksum = flg & 0x10 ? 4 : 0;
    this.contentChecksum = flg & 0x04 ? 4 : 0;
    this.window = new Uint8Array((this.linked ? LZ4_WINDOW : 0) + this.blockMax);
    this.history = 0;
    // With a content size: 7 more size bytes and the header checksum remain.
    this.skip(flg & 0x08 ? 8 : 0, 'blockSize', 4);
  }

  private async block(src: Uint8Array): Promise<void> {
    this.out.input(src.length);
    const end = this.raw ? this.copyRaw(src) : decodeBlock(src, this.window, this.history);
    const produced = this.window.slice(this.history, end);
    if (this.linked) {
      const keep = Math.min(LZ4_WINDOW, end);
      this.window.copyWithin(0, end - keep, end);
      this.history = keep;
    }
    this.next('blockSize', 4);
    await this.out.write(produced);
  }

  private copyRaw(src: Uint8Array): number {
    this.window.set(src, this.history);
    return this.history + src.length;
  }
}

export const lz4Detector: Detector = {
  id: 'lz4',
  version: 1,
  formats: ['lz4'],
  create: (ctx) => new Lz4Reader(ctx),
};
