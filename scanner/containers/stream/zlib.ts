import type { Detector, DetectorContext } from '../../detector.js';
import type { ByteSink } from '../../sink.js';
import { InflatePump } from '../inflate-pump.js';
import { StreamOutput, TrailingData } from './output.js';

/**
 * zlib (RFC 1950) stream, e.g. `joblib.dump(..., compress=3)`: inflated by node:zlib into one nested object
 * `<zlib>`; bytes after the stream's end are trailing data scanned as their own object.
 */
class ZlibReader implements ByteSink {
  private readonly out: StreamOutput;
  private readonly trailing: TrailingData;
  private readonly pump: InflatePump;
  private offset = 0;

  constructor(private readonly ctx: DetectorContext) {
    this.out = new StreamOutput(ctx, '<zlib>');
    this.trailing = new TrailingData(ctx, 'zlib stream');
    this.pump = new InflatePump('zlib', this.out.write);
  }

  async write(chunk: Uint8Array): Promise<void> {
    for (let i = 0; i < chunk.length; i += 64 * 1024) {
      const slice = chunk.subarray(i, i + 64 * 1024);
      if (this.pump.finished) {
        await this.trailing.write(slice, this.offset);
      } else {
        this.out.input(slice.length);
        const used = await this.pump.write(slice);
        this.out.input(used - slice.length);
        if (used < slice.length) await this.trailing.write(slice.subarray(used), this.offset + used);
      }
      this.offset += slice.length;
    }
  }

  async end(): Promise<void> {
    await this.pump.end();
    await this.out.end();
    await this.trailing.end();
    this.ctx.scanned('zlib', `zlib: ${this.out.expanded} bytes expanded`);
  }
}

export const zlibDetector: Detector = {
  id: 'zlib',
  version: 1,
  formats: ['zlib'],
  create: (ctx) => new ZlibReader(ctx),
};
