import type { Detector, DetectorContext } from '../../detector.js';
import type { ByteSink } from '../../sink.js';
import { StreamOutput } from './output.js';
import { XzDecoder } from './xz-context.js';

/**
 * xz container (e.g. `joblib.dump(..., compress='xz')`, `.tar.xz`), concatenated streams and padding included,
 * expanded into one nested object `<unxz>`. The native decoder does not say where the last stream ended, so
 * bytes after it are not split off: they make the decode fail (PARSE_ERROR), never pass silently.
 */
class XzReader implements ByteSink {
  private decoder: XzDecoder | undefined;
  private readonly out: StreamOutput;

  constructor(private readonly ctx: DetectorContext) {
    this.out = new StreamOutput(ctx, '<unxz>');
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.decoder ??= await XzDecoder.create();
    try {
      for (let i = 0; i < chunk.length; i += 64 * 1024) {
        const slice = chunk.subarray(i, i + 64 * 1024);
        this.out.input(slice.length);
        await this.decoder.write(slice, this.out.write);
      }
    } catch (err) {
      this.decoder.close();
      throw err;
    }
  }

  async end(): Promise<void> {
    this.decoder ??= await XzDecoder.create();
    try {
      await this.decoder.finish(this.out.write);
    } finally {
      this.decoder.close();
    }
    await this.out.end();
    this.ctx.scanned('xz', `xz: ${this.out.expanded} bytes expanded`);
  }
}

export const xzDetector: Detector = {
  id: 'xz',
  version: 1,
  formats: ['xz'],
  create: (ctx) => new XzReader(ctx),
};
