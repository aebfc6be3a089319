import type { Detector, DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import type { ByteSink } from '../../sink.js';
import { parseSafetensorsHeader } from './header.js';
import { checkMetadata } from './metadata.js';
import { SAFETENSORS_RULES } from './rules.js';

/** The format caps the JSON header at 100 MB; loaders reject anything larger. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

/**
 * safetensors: an 8-byte little-endian header length, a JSON header, then raw tensor bytes. Only the header is
 * parsed (bounded); tensor bytes are counted, never kept. Bytes after the last tensor are a polyglot carrier:
 * reported and opened as a member so they are sniffed and scanned in their own right.
 */
export const safetensorsDetector: Detector = {
  id: 'safetensors',
  version: 1,
  formats: ['safetensors'],
  create: (ctx) => new SafetensorsSink(ctx),
};

class SafetensorsSink implements ByteSink {
  private readonly lenBytes = new Uint8Array(8);
  private headerLength = -1;
  private header: Uint8Array | undefined;
  private filled = 0;
  /** Bytes of the data section seen so far. */
  private data = 0;
  private dataLength = -1;
  private tensors = 0;
  private trailing: ByteSink | undefined;
  private trailingBytes = 0;

  constructor(private readonly ctx: DetectorContext) {}

  async write(chunk: Uint8Array): Promise<void> {
    let at = 0;
    if (this.headerLength < 0) {
      const n = Math.min(8 - this.filled, chunk.length);
      this.lenBytes.set(chunk.subarray(0, n), this.filled);
      this.filled += n;
      at = n;
      if (this.filled < 8) return;
      this.startHeader();
    }
    if (this.header) {
      const n = Math.min(this.header.length - this.filled, chunk.length - at);
      this.header.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled < this.header.length) return;
      this.finishHeader();
    }
    if (at >= chunk.length) return;
    const room = this.dataLength - this.data;
    const take = Math.min(room, chunk.length - at);
    this.data += take;
    at += take;
    if (at < chunk.length) await this.trail(chunk.subarray(at));
  }

  async end(): Promise<void> {
    if (this.headerLength < 0)
      throw new ScanStop(
        'TRUNCATED',
        `safetensors: file ends after ${this.filled} of 8 header-length bytes`,
        0,
      );
    if (this.header) {
      throw new ScanStop(
        'PARSE_ERROR',
        `safetensors: header length ${this.headerLength} exceeds the file (${this.filled} header bytes present)`,
        0,
      );
    }
    if (this.data < this.dataLength) {
      throw new ScanStop(
        'TRUNCATED',
        `safetensors: data section has ${this.data} of ${this.dataLength} bytes`,
        8 + this.headerLength + this.data,
      );
    }
    if (this.trailing) await this.trailing.end();
    const extra = this.trailingBytes > 0 ? `, ${this.trailingBytes} trailing bytes` : '';
    this.ctx.scanned(
      'safetensors',
      `safetensors: ${this.tensors} tensors, header ${this.headerLength} bytes, data ${this.dataLength} bytes${extra}`,
    );
  }

  private startHeader(): void {
    const len = new DataView(this.lenBytes.buffer).getBigUint64(0, true);
    const cap = Math.min(SAFETENSORS_MAX_HEADER, this.ctx.limits.maxHeaderBytes);
    if (len > BigInt(SAFETENSORS_MAX_HEADER)) {
      throw new ScanStop(
        'PARSE_ERROR',
        `safetensors: header length ${len} exceeds the format's 100 MB limit`,
        0,
      );
    }
    if (len > BigInt(cap))
      throw new ScanStop(
        'LIMIT_HEADER',
        `safetensors: header length ${len} exceeds maxHeaderBytes ${cap}`,
        0,
      );
    if (this.ctx.size !== undefined && len > BigInt(this.ctx.size - 8)) {
      throw new ScanStop(
        'PARSE_ERROR',
        `safetensors: header length ${len} exceeds the file size ${this.ctx.size}`,
        0,
      );
    }
    if (len < 2n)
      throw new ScanStop(
        'PARSE_ERROR',
        `safetensors: header length ${len} is too small for a JSON object`,
        0,
      );
    this.headerLength = Number(len);
    this.header = new Uint8Array(this.headerLength);
    this.filled = 0;
  }

  private finishHeader(): void {
    const parsed = parseSafetensorsHeader(this.header!);
    this.header = undefined;
    this.dataLength = parsed.dataLength;
    this.tensors = parsed.tensors.length;
    const size = this.ctx.size;
    if (size !== undefined && 8 + this.headerLength + this.dataLength > size) {
      throw new ScanStop(
        'PARSE_ERROR',
        `safetensors: data_offsets end at ${this.dataLength}, beyond the file size ${size}`,
        8,
      );
    }
    checkMetadata(parsed.metadata, this.ctx);
  }

  private async trail(bytes: Uint8Array): Promise<void> {
    if (!this.trailing) {
      const offset = 8 + this.headerLength + this.dataLength;
      SAFETENSORS_RULES.report(this.ctx, 'SAFETENSORS-TRAILING-DATA', {
        message: 'bytes after the last tensor (possible polyglot payload); scanned as member <trailing>',
        offset,
      });
      this.trailing = this.ctx.openMember('<trailing>');
    }
    this.trailingBytes += bytes.length;
    await this.trailing.write(bytes);
  }
}
