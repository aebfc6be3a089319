import { StepReader } from '../step-reader.js';
import { LEGACY_TAR } from '../../detectors/pickle/torch-persid.js';
import type { Detector, DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import type { ByteSink } from '../../sink.js';
import { Gather } from '../gather.js';
import { linkEscapes, shownName, traversalReason } from '../names.js';
import { CONTAINER_RULES } from '../rules.js';
import { BLOCK, checksumOk, isZeroBlock, parseHeader, parsePax, type TarHeader } from './header.js';

/** Largest pax / GNU long-name block read into memory (also capped by limits.maxHeaderBytes). */
export const MAX_TAR_META = 1024 * 1024;

/** Members of a legacy (torch < 1.6 `_legacy_save` tar) PyTorch checkpoint. */
const LEGACY_TORCH = ['sys_info', 'pickle', 'storages', 'tensors'];

type State = 'header' | 'meta' | 'data' | 'skip' | 'end';

/**
 * Streaming tar reader: 512-byte headers, ustar prefix, GNU long names (L/K), pax path/linkpath/size, links
 * and special files checked for path traversal; regular members opened and fed as they stream. Hand-written
 * (small) so every header field is checked the same way for all variants and nothing is buffered.
 */
class TarReader extends StepReader {
  private state: State = 'header';
  private readonly g = new Gather();
  private remaining = 0;
  private padding = 0;
  private member: ByteSink | undefined;
  private memberName = '';
  private metaType = '';
  private longName: string | undefined;
  private longLink: string | undefined;
  private pax = new Map<string, string>();
  private readonly names = new Set<string>();
  private members = 0;
  private afterEnd = 0;
  private headerAt = 0;

  constructor(private readonly ctx: DetectorContext) {
    super();
    this.g.start(BLOCK);
  }

  async end(): Promise<void> {
    if (
      this.state === 'data' ||
      this.state === 'meta' ||
      (this.state === 'skip' && this.remaining > 0) ||
      this.g.partial
    ) {
      this.ctx.issue(
        'TRUNCATED',
        `tar ends inside ${this.memberName ? `member ${shownName(this.memberName)}` : 'a header'}`,
        this.offset,
      );
    }
    if (this.member) await this.member.end();
    if (this.afterEnd > 0)
      this.ctx.issue(
        'PARSE_ERROR',
        `${this.afterEnd} non-zero bytes after the end-of-archive block were not read`,
      );
    const legacy =
      ['pickle', 'storages'].every((n) => this.names.has(n)) &&
      LEGACY_TORCH.some((n) => n !== 'pickle' && n !== 'storages' && this.names.has(n));
    this.ctx.scanned(legacy ? 'pytorch-legacy-tar' : 'tar', `tar: ${this.members} members`);
  }

  protected async step(buf: Uint8Array, pos: number): Promise<number> {
    switch (this.state) {
      case 'header': {
        const p = this.g.take(buf, pos);
        if (this.g.full) {
          this.headerAt = this.offset + (p - pos) - BLOCK;
          await this.header(this.g.bytes);
        }
        return p;
      }
      case 'meta': {
        const p = this.g.take(buf, pos);
        if (this.g.full) this.meta(this.g.bytes);
        return p;
      }
      case 'data': {
        const n = Math.min(this.remaining, buf.length - pos);
        this.remaining -= n;
        if (this.member) await this.member.write(buf.subarray(pos, pos + n));
        if (this.remaining === 0) await this.endMember();
        return pos + n;
      }
      case 'skip': {
        const n = Math.min(this.remaining, buf.length - pos);
        this.remaining -= n;
        if (this.remaining === 0) this.nextHeader();
        return pos + n;
      }
      case 'end':
        for (let i = pos; i < buf.length; i++) if (buf[i] !== 0) this.afterEnd++;
        return buf.length;
    }
  }

  private nextHeader(): void {
    this.state = 'header';
    this.g.start(BLOCK);
  }

  private skipData(size: number): void {
    this.remaining = size + ((BLOCK - (size % BLOCK)) % BLOCK);
    this.state = this.remaining > 0 ? 'skip' : 'header';
    if (this.state === 'header') this.g.start(BLOCK);
  }

  private async header(b: Uint8Array): Promise<void> {
    const at = this.headerAt;
    if (isZeroBlock(b)) {
      this.state = 'end';
      return;
    }
    if (!checksumOk(b))
      throw new ScanStop('PARSE_ERROR', 'tar header checksum does not match; the rest was not read', at);
    const h = parseHeader(b);
    if (Number.isNaN(h.size)) throw new ScanStop('PARSE_ERROR', 'tar header size field is invalid', at);
    if ('xgLK'.includes(h.type)) return this.startMeta(h);
    this.applyOverrides(h);
    this.memberName = h.name;
    this.checkName(h);
    if (h.type === '0' || h.type === '7' || !'123456DMVNS'.includes(h.type)) return this.openMember(h);
    if (h.type === 'S')
      this.ctx.issue('UNSUPPORTED_FORMAT', `sparse member ${shownName(h.name)} is not read`);
    if (h.type === 'M')
      this.ctx.issue('UNSUPPORTED_FORMAT', `multi-volume continuation ${shownName(h.name)} is not read`);
    // As tar readers do: only regular files and GNU D/M/N/S entries carry data blocks.
    this.skipData('DMNS'.includes(h.type) ? h.size : 0);
  }

  private startMeta(h: TarHeader): void {
    const cap = Math.min(MAX_TAR_META, this.ctx.limits.maxHeaderBytes);
    if (h.size > cap)
      throw new ScanStop('LIMIT_HEADER', `tar ${h.type} header of ${h.size} bytes exceeds ${cap}`);
    this.metaType = h.type;
    this.padding = (BLOCK - (h.size % BLOCK)) % BLOCK;
    this.state = 'meta';
    this.g.start(h.size);
    if (h.size === 0) this.meta(new Uint8Array(0));
  }

  private meta(data: Uint8Array): void {
    const text = (): string => new TextDecoder('utf-8').decode(data).replace(/\0+$/, '');
    if (this.metaType === 'L') this.longName = text();
    else if (this.metaType === 'K') this.longLink = text();
    else {
      const records = parsePax(data);
      if (!records) throw new ScanStop('PARSE_ERROR', 'malformed pax extended header');
      if ([...records.keys()].some((k) => k.startsWith('GNU.sparse')))
        this.ctx.issue('UNSUPPORTED_FORMAT', 'sparse (pax GNU.sparse) member is not read');
      if (this.metaType === 'x') this.pax = records;
      else if (records.has('size') || records.has('path'))
        this.ctx.issue('UNSUPPORTED_FORMAT', 'global pax header setting path/size is not applied');
    }
    this.remaining = this.padding;
    this.state = this.remaining > 0 ? 'skip' : 'header';
    if (this.state === 'header') this.g.start(BLOCK);
  }

  private applyOverrides(h: TarHeader): void {
    if (this.longName !== undefined) h.name = this.longName;
    if (this.longLink !== undefined) h.linkname = this.longLink;
    const path = this.pax.get('path');
    const link = this.pax.get('linkpath');
    const size = this.pax.get('size');
    if (path !== undefined) h.name = path;
    if (link !== undefined) h.linkname = link;
    if (size !== undefined) {
      if (!/^\d+$/.test(size)) throw new ScanStop('PARSE_ERROR', 'pax size is not a number');
      h.size = Number(size);
    }
    this.longName = undefined;
    this.longLink = undefined;
    this.pax = new Map();
  }

  private checkName(h: TarHeader): void {
    const shown = shownName(h.name);
    const why = traversalReason(h.name);
    if (why)
      CONTAINER_RULES.report(this.ctx, 'CONTAINER-PATH-TRAVERSAL', {
        message: `member ${shown}: ${why}`,
        offset: this.headerAt,
      });
    if (h.type === '2' || h.type === '1') {
      const escapes =
        h.type === '2' ? linkEscapes(h.name, h.linkname) : traversalReason(h.linkname) !== undefined;
      const kind = h.type === '2' ? 'symbolic link' : 'hard link';
      if (escapes)
        CONTAINER_RULES.report(this.ctx, 'CONTAINER-PATH-TRAVERSAL', {
          message: `${kind} ${shown} points outside the archive`,
          offset: this.headerAt,
        });
      else
        CONTAINER_RULES.report(this.ctx, 'CONTAINER-SYMLINK', {
          message: `${kind} ${shown}`,
          offset: this.headerAt,
        });
    } else if ('346'.includes(h.type)) {
      CONTAINER_RULES.report(this.ctx, 'CONTAINER-SPECIAL-FILE', {
        message: `special file ${shown} (type ${h.type})`,
        offset: this.headerAt,
      });
    }
  }

  private async openMember(h: TarHeader): Promise<void> {
    if (++this.members > this.ctx.limits.maxMembers) {
      throw new ScanStop(
        'LIMIT_MEMBERS',
        `more than ${this.ctx.limits.maxMembers} members; the rest was not read`,
        this.headerAt,
      );
    }
    const clean = h.name.replace(/^(\.\/)+/, '');
    this.names.add(clean);
    // torch's _legacy_save writes sys_info first, then pickle, tensors and storages: only inside such a tar are
    // `storages` / `tensors` read with their interleaved record layout.
    const torchLegacy = this.names.has('sys_info');
    if (torchLegacy) this.ctx.shared.set(LEGACY_TAR, true);
    this.member = this.ctx.openMember(
      h.name,
      torchLegacy && clean === 'storages'
        ? { size: h.size, format: 'pytorch-legacy-storages' }
        : torchLegacy && clean === 'tensors'
          ? { size: h.size, format: 'pytorch-legacy-tensors' }
          : { size: h.size },
    );
    this.remaining = h.size;
    this.padding = (BLOCK - (h.size % BLOCK)) % BLOCK;
    this.state = 'data';
    if (h.size === 0) await this.endMember();
  }

  private async endMember(): Promise<void> {
    const m = this.member;
    this.member = undefined;
    this.memberName = '';
    if (m) await m.end();
    this.remaining = this.padding;
    this.state = this.remaining > 0 ? 'skip' : 'header';
    if (this.state === 'header') this.g.start(BLOCK);
  }
}

export const tarDetector: Detector = {
  id: 'tar',
  version: 1,
  formats: ['tar'],
  create: (ctx) => new TarReader(ctx),
};
