import type { Detector, DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import type { ByteSink } from '../../sink.js';
import { checkChatTemplate } from './chat-template.js';
import { parseGgufHeader, type GgufHeader } from './header.js';
import { Feed, type Pull } from './pull.js';
import { GGUF_RULES } from './rules.js';

/**
 * GGUF (llama.cpp) v1-v3: the header (key/values and tensor infos) is parsed incrementally with bounds on
 * every count and length; chat templates are checked for Jinja sandbox escapes (parsed, never rendered);
 * tensor data is counted, never kept. Bytes after the last tensor are reported and scanned as a member.
 */
export const ggufDetector: Detector = {
  id: 'gguf',
  version: 1,
  formats: ['gguf'],
  create: (ctx) => new GgufSink(ctx),
};

class GgufSink implements ByteSink {
  private readonly feed = new Feed();
  private readonly parser: Pull<GgufHeader>;
  private want = 0;
  private header: GgufHeader | undefined;
  private templates = 0;
  /** Bytes seen after the header (tensor data and anything following it). */
  private data = 0n;
  private trailing: ByteSink | undefined;
  private trailingBytes = 0;

  constructor(private readonly ctx: DetectorContext) {
    const cap = Math.min(ctx.limits.maxHeaderBytes, ctx.size ?? Number.MAX_SAFE_INTEGER);
    this.parser = parseGgufHeader(this.feed, {
      headerCap: cap,
      fileSize: ctx.size,
      onTemplate: (key, template, offset) => {
        this.templates++;
        checkChatTemplate(template, ctx, `gguf ${key}`, offset);
      },
      onIssue: (message, offset) => ctx.issue('PARSE_ERROR', `gguf: ${message}`, offset),
    });
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.header) return this.onData(chunk);
    this.feed.push(chunk);
    while (!this.header && this.feed.available >= this.want) {
      const step = this.parser.next();
      if (step.done) this.header = step.value;
      else this.want = step.value;
    }
    if (!this.header) {
      this.feed.retain();
      return;
    }
    this.checkSize(this.header);
    for (const rest of this.feed.drain()) await this.onData(rest);
  }

  async end(): Promise<void> {
    const h = this.header;
    if (!h)
      throw new ScanStop(
        'TRUNCATED',
        `gguf: file ends inside the header (${this.feed.consumed + this.feed.available} bytes)`,
        this.feed.consumed,
      );
    if (this.data < h.dataNeeded) {
      throw new ScanStop(
        'TRUNCATED',
        `gguf: tensor data has ${this.data} of ${h.dataNeeded} bytes`,
        h.dataStart + Number(this.data),
      );
    }
    if (this.trailing) await this.trailing.end();
    const extra = this.trailingBytes > 0 ? `, ${this.trailingBytes} trailing bytes` : '';
    this.ctx.scanned(
      'gguf',
      `gguf v${h.version}${h.bigEndian ? ' big-endian' : ''}: ${h.kvCount} keys, ${h.tensorCount} tensors, ${this.templates} chat templates checked, data ${h.dataNeeded} bytes${extra}`,
    );
  }

  private checkSize(h: GgufHeader): void {
    const size = this.ctx.size;
    if (size !== undefined && BigInt(h.dataStart) + h.dataNeeded > BigInt(size)) {
      throw new ScanStop(
        'PARSE_ERROR',
        `gguf: tensor data ends at ${BigInt(h.dataStart) + h.dataNeeded}, beyond the file size ${size}`,
        h.dataStart,
      );
    }
  }

  private async onData(chunk: Uint8Array): Promise<void> {
    const h = this.header!;
    const room = h.dataPadded - this.data;
    const take = room <= 0n ? 0 : room >= BigInt(chunk.length) ? chunk.length : Number(room);
    this.data += BigInt(take);
    if (take === chunk.length) return;
    if (!this.trailing) {
      GGUF_RULES.report(this.ctx, 'GGUF-TRAILING-DATA', {
        message: 'bytes after the last tensor (possible polyglot payload); scanned as member <trailing>',
        offset: h.dataStart + Number(h.dataPadded),
      });
      this.trailing = this.ctx.openMember('<trailing>');
    }
    const rest = chunk.subarray(take);
    this.trailingBytes += rest.length;
    await this.trailing.write(rest);
  }
}
