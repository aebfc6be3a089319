import type { Detector, DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import type { ByteSink } from '../../sink.js';
import { parseNpyHeader, type NpyHeader } from './header.js';
import { NUMPY_RULES } from './rules.js';

/** numpy limits headers to 10,000 bytes by default; allow generous structured dtypes but stay bounded. */
export const NPY_MAX_HEADER = 1024 * 1024;

/**
 * NumPy .npy (v1.0, 2.0, 3.0): magic, version, header length, a Python-literal header dict, then the array
 * bytes. Numeric data is counted and must match shape x itemsize. Object dtypes store a pickle after the
 * header: it is forwarded, unsniffed, to the pickle detector as member `<pickle>`.
 */
export const numpyDetector: Detector = {
  id: 'numpy',
  version: 1,
  formats: ['numpy-npy'],
  create: (ctx) => new NpySink(ctx),
};

class NpySink implements ByteSink {
  private readonly prefix = new Uint8Array(12);
  private prefixFilled = 0;
  private prefixLength = 10;
  private version = '';
  private header: Uint8Array | undefined;
  private headerFilled = 0;
  private parsed: NpyHeader | undefined;
  private data = 0n;
  private pickle: ByteSink | undefined;
  private trailing: ByteSink | undefined;
  private trailingBytes = 0;

  constructor(private readonly ctx: DetectorContext) {}

  async write(chunk: Uint8Array): Promise<void> {
    let at = 0;
    if (!this.header && !this.parsed) {
      while (this.prefixFilled < this.prefixLength && at < chunk.length) {
        this.prefix[this.prefixFilled++] = chunk[at++]!;
        if (this.prefixFilled === 8) this.readVersion();
      }
      if (this.prefixFilled < this.prefixLength) return;
      this.startHeader();
    }
    if (this.header) {
      const n = Math.min(this.header.length - this.headerFilled, chunk.length - at);
      this.header.set(chunk.subarray(at, at + n), this.headerFilled);
      this.headerFilled += n;
      at += n;
      if (this.headerFilled < this.header.length) return;
      this.finishHeader();
    }
    if (at < chunk.length) await this.onData(chunk.subarray(at));
  }

  async end(): Promise<void> {
    if (!this.parsed) {
      if (this.header)
        throw new ScanStop(
          'PARSE_ERROR',
          `npy: header length ${this.header.length} exceeds the file (${this.headerFilled} header bytes present)`,
          this.prefixLength,
        );
      throw new ScanStop('TRUNCATED', `npy: file ends inside the ${this.prefixLength}-byte preamble`, 0);
    }
    const p = this.parsed;
    const shape = p.shape.length === 1 ? `(${p.shape[0]},)` : `(${p.shape.join(', ')})`;
    if (this.pickle) {
      await this.pickle.end();
    } else if (p.dtype.hasObject) {
      this.ctx.issue(
        'TRUNCATED',
        'npy: object array has no pickle data',
        this.prefixLength + this.headerFilled,
      );
    } else if (this.data < p.dataBytes) {
      this.ctx.issue(
        'TRUNCATED',
        `npy: array data has ${this.data} of ${p.dataBytes} bytes`,
        this.prefixLength + this.headerFilled,
      );
    }
    if (this.trailing) await this.trailing.end();
    const kind = p.dtype.hasObject
      ? 'object array (pickle scanned as <pickle>)'
      : `${p.dataBytes} data bytes`;
    const extra = this.trailingBytes > 0 ? `, ${this.trailingBytes} trailing bytes` : '';
    this.ctx.scanned('numpy-npy', `npy v${this.version}: ${p.descr}, shape ${shape}, ${kind}${extra}`);
  }

  private readVersion(): void {
    const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
    if (magic.some((b, i) => this.prefix[i] !== b)) throw new ScanStop('PARSE_ERROR', 'npy: bad magic', 0);
    const major = this.prefix[6]!;
    const minor = this.prefix[7]!;
    if (minor !== 0 || major < 1 || major > 3)
      throw new ScanStop('UNSUPPORTED_FORMAT', `npy: unsupported version ${major}.${minor}`, 6);
    this.version = `${major}.0`;
    this.prefixLength = major === 1 ? 10 : 12;
  }

  private startHeader(): void {
    const view = new DataView(this.prefix.buffer);
    const len = this.prefixLength === 10 ? view.getUint16(8, true) : view.getUint32(8, true);
    const cap = Math.min(NPY_MAX_HEADER, this.ctx.limits.maxHeaderBytes);
    if (len > cap) throw new ScanStop('LIMIT_HEADER', `npy: header length ${len} exceeds ${cap}`, 8);
    if (this.ctx.size !== undefined && this.prefixLength + len > this.ctx.size) {
      throw new ScanStop(
        'PARSE_ERROR',
        `npy: header length ${len} exceeds the file size ${this.ctx.size}`,
        8,
      );
    }
    this.header = new Uint8Array(len);
  }

  private finishHeader(): void {
    const bytes = this.header!;
    let text: string;
    try {
      text = new TextDecoder(this.version === '3.0' ? 'utf-8' : 'latin1', { fatal: true }).decode(bytes);
    } catch {
      throw new ScanStop('PARSE_ERROR', 'npy: header is not valid text', this.prefixLength);
    }
    this.parsed = parseNpyHeader(text);
    this.header = undefined;
    if (this.parsed.dtype.hasObject) {
      NUMPY_RULES.report(this.ctx, 'NUMPY-OBJECT-ARRAY', {
        message:
          'object-dtype array: its data is a pickle (needs allow_pickle=True); scanned as member <pickle>',
        offset: this.prefixLength + bytes.length,
      });
    }
  }

  private async onData(bytes: Uint8Array): Promise<void> {
    const p = this.parsed!;
    if (p.dtype.hasObject) {
      this.pickle ??= this.ctx.openMember('<pickle>', { format: 'pickle' });
      return this.pickle.write(bytes);
    }
    const room = p.dataBytes - this.data;
    const take = room >= BigInt(bytes.length) ? bytes.length : Number(room < 0n ? 0n : room);
    this.data += BigInt(take);
    if (take === bytes.length) return;
    if (!this.trailing) {
      NUMPY_RULES.report(this.ctx, 'NUMPY-TRAILING-DATA', {
        message: 'bytes after the array data (possible polyglot payload); scanned as member <trailing>',
        offset: this.prefixLength + this.headerFilled + Number(p.dataBytes),
      });
      this.trailing = this.ctx.openMember('<trailing>');
    }
    this.trailingBytes += bytes.length - take;
    await this.trailing.write(bytes.subarray(take));
  }
}
