import { StepReader } from '../step-reader.js';
import type { Detector, DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import { Gather, u16 } from '../gather.js';
import { InflatePump } from '../inflate-pump.js';
import { baseName } from '../names.js';
import { StreamOutput, TrailingData } from './output.js';

/** Longest FNAME / FCOMMENT header field read (RFC 1952 fields are NUL-terminated, unbounded). */
export const MAX_GZIP_FIELD = 64 * 1024;
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

type State =
  'hdr' | 'xlen' | 'extra' | 'name' | 'comment' | 'hcrc' | 'inflate' | 'trailer' | 'between' | 'trailing';

/**
 * gzip (RFC 1952), all members of a concatenated file expanded into one nested object named after the first
 * FNAME (base name only) or `<gunzip>`. Header parsed by hand to get FNAME and to find where each member ends;
 * inflation is node:zlib. Zero padding after the last member is ignored (as Python's gzip does); other bytes
 * are trailing data scanned as their own object.
 */
class GzipReader extends StepReader {
  private state: State = 'hdr';
  private readonly g = new Gather();
  private flags = 0;
  private field: number[] = [];
  private fieldLength = 0;
  private remaining = 0;
  private pump: InflatePump | undefined;
  private members = 0;
  private readonly out: StreamOutput;
  private readonly trailing: TrailingData;

  constructor(private readonly ctx: DetectorContext) {
    super();
    this.out = new StreamOutput(ctx, '<gunzip>');
    this.trailing = new TrailingData(ctx, 'gzip stream');
    this.g.start(10);
  }

  async end(): Promise<void> {
    if (this.state === 'inflate') await this.pump!.end();
    else if (this.state !== 'between' && this.state !== 'trailing') {
      throw new ScanStop(
        'TRUNCATED',
        `gzip ends inside a member ${this.state === 'trailer' ? 'trailer' : 'header'}`,
        this.offset,
      );
    }
    await this.out.end();
    await this.trailing.end();
    this.ctx.scanned('gzip', `gzip: ${this.members} members, ${this.out.expanded} bytes expanded`);
  }

  protected async step(buf: Uint8Array, pos: number): Promise<number> {
    switch (this.state) {
      case 'hdr':
      case 'xlen':
      case 'hcrc':
      case 'trailer': {
        const p = this.g.take(buf, pos);
        if (this.g.full) await this.gathered();
        return p;
      }
      case 'extra': {
        const n = Math.min(this.remaining, buf.length - pos);
        this.remaining -= n;
        if (this.remaining === 0) this.afterField(FEXTRA);
        return pos + n;
      }
      case 'name':
      case 'comment': {
        let p = pos;
        while (p < buf.length && buf[p] !== 0) {
          if (++this.fieldLength > MAX_GZIP_FIELD)
            throw new ScanStop(
              'LIMIT_HEADER',
              `gzip ${this.state} field longer than ${MAX_GZIP_FIELD} bytes`,
            );
          if (this.state === 'name' && this.field.length < 256) this.field.push(buf[p]!);
          p++;
        }
        if (p === buf.length) return p;
        if (this.state === 'name' && this.members === 1) {
          this.out.name = baseName(new TextDecoder('latin1').decode(Uint8Array.from(this.field)), '<gunzip>');
        }
        this.afterField(this.state === 'name' ? FNAME : FCOMMENT);
        return p + 1;
      }
      case 'inflate': {
        const slice = buf.subarray(pos, pos + 64 * 1024);
        this.out.input(slice.length);
        const used = await this.pump!.write(slice);
        this.out.input(used - slice.length);
        if (this.pump!.finished) {
          await this.pump!.end();
          this.state = 'trailer';
          this.g.start(8);
        }
        return pos + used;
      }
      case 'between': {
        let p = pos;
        while (p < buf.length && buf[p] === 0) p++;
        if (p < buf.length) {
          this.state = buf[p] === 0x1f ? 'hdr' : 'trailing';
          this.g.start(10);
        }
        return p;
      }
      case 'trailing':
        await this.trailing.write(buf.subarray(pos), this.offset);
        return buf.length;
    }
  }

  private async gathered(): Promise<void> {
    const b = this.g.bytes;
    switch (this.state) {
      case 'hdr':
        if (b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) {
          if (this.members === 0) throw new ScanStop('PARSE_ERROR', 'not a gzip deflate stream');
          this.state = 'trailing';
          await this.trailing.write(b.slice(), this.offset);
          return;
        }
        this.members++;
        this.flags = b[3]!;
        this.field = [];
        this.fieldLength = 0;
        this.afterField(0);
        return;
      case 'xlen':
        this.remaining = u16(b, 0);
        this.state = 'extra';
        if (this.remaining === 0) this.afterField(FEXTRA);
        return;
      case 'hcrc':
        this.afterField(FHCRC);
        return;
      case 'trailer':
        this.state = 'between';
        return;
      default:
        return;
    }
  }

  /** Move to the next optional header field after `done` (flag order per RFC 1952), then to the data. */
  private afterField(done: number): void {
    const order: [number, State][] = [
      [FEXTRA, 'xlen'],
      [FNAME, 'name'],
      [FCOMMENT, 'comment'],
      [FHCRC, 'hcrc'],
    ];
    const start = done === 0 ? 0 : order.findIndex(([f]) => f === done) + 1;
    for (let i = start; i < order.length; i++) {
      const [flag, state] = order[i]!;
      if (this.flags & flag) {
        this.state = state;
        this.fieldLength = 0;
        if (state === 'xlen' || state === 'hcrc') this.g.start(2);
        return;
      }
    }
    this.state = 'inflate';
    this.pump = new InflatePump('raw', this.out.write);
  }
}

export const gzipDetector: Detector = {
  id: 'gzip',
  version: 1,
  formats: ['gzip'],
  create: (ctx) => new GzipReader(ctx),
};
