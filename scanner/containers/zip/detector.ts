import type { Detector, DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import type { ByteSink } from '../../sink.js';
import { Gather, u16, u32, u64 } from '../gather.js';
import { shownName } from '../names.js';
import { CONTAINER_RULES } from '../rules.js';
import { ZipBook } from './book.js';
import { DescriptorScanner } from './descriptor-scan.js';
import { ZipEntry } from './entry.js';
import * as R from './records.js';
import { findRecord } from './resync.js';
import { startEntry } from './start-entry.js';

type State =
  | 'sig'
  | 'local'
  | 'localVar'
  | 'data'
  | 'inflate'
  | 'scan'
  | 'central'
  | 'centralVar'
  | 'eocd'
  | 'z64'
  | 'dsig'
  | 'skip'
  | 'resync'
  | 'trailing';
type Step = number | { rest: Uint8Array; offset: number };

/**
 * Reads a ZIP in one forward pass the way PyTorch (miniz) and NumPy tolerate it: from local headers, ignoring
 * CRCs and the encryption/patch flag bits, finding entry ends from data descriptors, and cross-checking the
 * central directory when it arrives. Hand-written because ZIP libraries need random access to the central
 * directory (at the end) and reject exactly the quirks attackers use to blind scanners.
 */
class ZipReader implements ByteSink {
  private state: State = 'sig';
  private readonly g = new Gather();
  private offset = 0;
  private base = 0;
  private recordStart = 0;
  private local: R.LocalHeader | undefined;
  private central: R.CentralHeader | undefined;
  private entry: ZipEntry | undefined;
  private scanner: DescriptorScanner | undefined;
  private dataStart = 0;
  private remaining = 0;
  private afterSkip: State = 'sig';
  /** Length of a data descriptor expected after the entry just read (0 when none). */
  private expectDescriptor = 0;
  private entryDescriptor = 0;
  private readonly book: ZipBook;
  private readonly torchRoots = new Set<string>();
  private trailing: ByteSink | undefined;
  private carry: Uint8Array = new Uint8Array(0);

  constructor(private readonly ctx: DetectorContext) {
    this.book = new ZipBook(ctx);
    this.g.start(4);
  }

  async write(chunk: Uint8Array): Promise<void> {
    let buf = chunk;
    let pos = 0;
    while (pos < buf.length) {
      this.base = this.offset - pos;
      const r = await this.step(buf, pos);
      if (typeof r === 'number') {
        this.offset += r - pos;
        pos = r;
      } else {
        this.offset = r.offset;
        buf = r.rest;
        pos = 0;
      }
    }
  }

  async end(): Promise<void> {
    const where = this.offset;
    if (this.entry && this.scanner) {
      const s = this.scanner.finish();
      if (s.data.length > 0) await this.guarded(() => this.entry!.write(s.data));
      if (s.rest !== undefined && this.entry) {
        await this.finishEntry(this.dataStart + this.scanner.length, 0);
        if (s.rest.length > 0) this.ctx.issue('TRUNCATED', 'archive ends inside a ZIP header', where);
      }
      this.scanner = undefined;
    }
    if (this.entry) {
      this.ctx.issue('TRUNCATED', `archive ends inside member ${shownName(this.entry.name)}`, where);
      await this.entry.abort();
      this.entry = undefined;
    } else if (this.state === 'skip' && this.remaining > 0) {
      this.ctx.issue('TRUNCATED', `archive ends ${this.remaining} bytes before the end of a record`, where);
    } else if (
      this.state !== 'sig' &&
      this.state !== 'trailing' &&
      this.state !== 'resync' &&
      this.state !== 'skip'
    ) {
      this.ctx.issue('TRUNCATED', 'archive ends inside a ZIP header', where);
    } else if (this.state === 'sig' && this.g.partial) {
      this.ctx.issue('PARSE_ERROR', 'archive ends with a partial record signature', where);
    }
    if (this.trailing) await this.trailing.end();
    const cd =
      this.book.centralEntries > 0
        ? `, ${this.book.centralEntries} central directory entries`
        : ', no central directory';
    this.ctx.scanned(this.book.refine(), `zip: ${this.book.count} members${cd}`);
  }

  private at(p: number): number {
    return this.base + p;
  }

  private async step(buf: Uint8Array, pos: number): Promise<Step> {
    switch (this.state) {
      case 'sig': {
        if (this.g.full) this.g.start(4);
        const p = this.g.take(buf, pos);
        return this.g.full ? this.signature(p) : p;
      }
      case 'local':
      case 'central':
      case 'eocd':
      case 'z64':
      case 'dsig':
      case 'localVar':
      case 'centralVar': {
        const p = this.g.take(buf, pos);
        return this.g.full ? this.record(p) : p;
      }
      case 'data': {
        const n = Math.min(this.remaining, buf.length - pos);
        this.remaining -= n;
        const ok = await this.guarded(() => this.entry!.write(buf.subarray(pos, pos + n)));
        if (!ok) return pos + n;
        if (this.remaining === 0) await this.finishEntry(this.at(pos + n), this.entryDescriptor);
        return pos + n;
      }
      case 'inflate': {
        let used = 0;
        const ok = await this.guarded(async () => {
          used = await this.entry!.write(buf.subarray(pos));
        });
        if (!ok) return pos;
        if (this.entry!.finished) await this.finishEntry(this.at(pos + used), this.entryDescriptor);
        return pos + used;
      }
      case 'scan': {
        const s = this.scanner!.push(buf.subarray(pos));
        if (s.data.length > 0 && !(await this.guarded(() => this.entry!.write(s.data)))) return pos;
        if (s.rest === undefined) return buf.length;
        const end = this.dataStart + this.scanner!.length;
        this.scanner = undefined;
        if (this.entry) await this.finishEntry(end, 0);
        this.state = 'sig';
        return { rest: s.rest, offset: end + s.descriptorLength! };
      }
      case 'skip': {
        const n = Math.min(this.remaining, buf.length - pos);
        this.remaining -= n;
        if (this.remaining === 0) this.state = this.afterSkip;
        return pos + n;
      }
      case 'resync': {
        const found = findRecord(this.carry, buf.subarray(pos));
        if (found === undefined) {
          this.carry = buf.slice(Math.max(pos, buf.length - 3));
          return buf.length;
        }
        const offset = this.at(pos) - this.carry.length + found.index;
        this.carry = new Uint8Array(0);
        this.state = 'sig';
        return { rest: found.rest, offset };
      }
      case 'trailing':
        await this.openTrailing();
        await this.trailing!.write(buf.subarray(pos));
        return buf.length;
    }
  }

  private async signature(p: number): Promise<Step> {
    const sig = u32(this.g.bytes, 0);
    this.recordStart = this.at(p) - 4;
    const expected = this.expectDescriptor;
    this.expectDescriptor = 0;
    const next = (state: State, n: number): number => {
      this.state = state;
      this.g.start(n);
      return p;
    };
    switch (sig) {
      case R.SIG.local:
        return next('local', R.LOCAL_FIXED);
      case R.SIG.central:
        return next('central', R.CENTRAL_FIXED);
      case R.SIG.eocd:
        return next('eocd', R.EOCD_FIXED);
      case R.SIG.zip64Eocd:
        return next('z64', 8);
      case R.SIG.signature:
        return next('dsig', 2);
      case R.SIG.zip64Locator:
        return this.skip(p, 16, 'sig');
      case R.SIG.descriptor:
        return this.recordStart === 0 ? p : this.skip(p, expected === 0 ? 12 : expected, 'sig');
    }
    // A data descriptor without signature: those 4 bytes were its CRC.
    if (expected > 0) return this.skip(p, expected - 4, 'sig');
    this.ctx.issue(
      'PARSE_ERROR',
      `unrecognised bytes at offset ${this.recordStart}; skipped to the next ZIP record`,
      this.recordStart,
    );
    this.state = 'resync';
    this.carry = this.g.bytes.slice(1);
    return p;
  }

  private skip(p: number, n: number, then: State): number {
    this.remaining = n;
    this.afterSkip = then;
    this.state = n > 0 ? 'skip' : then;
    return p;
  }

  private async record(p: number): Promise<Step> {
    const b = this.g.bytes;
    switch (this.state) {
      case 'local':
        this.local = R.parseLocal(b);
        this.state = 'localVar';
        this.g.start(this.local.nameLength + this.local.extraLength);
        return this.g.full ? this.openEntry(p) : p;
      case 'localVar':
        return this.openEntry(p);
      case 'central':
        this.central = R.parseCentral(b);
        this.state = 'centralVar';
        this.g.start(this.central.nameLength + this.central.extraLength + this.central.commentLength);
        return this.g.full ? this.record(p) : p;
      case 'centralVar': {
        const c = this.central!;
        const name = R.decodeName(b.subarray(0, c.nameLength), c.flags);
        R.applyZip64(b.subarray(c.nameLength, c.nameLength + c.extraLength), c);
        this.book.checkCentral(c, name, this.recordStart);
        this.state = 'sig';
        return p;
      }
      case 'eocd':
        return this.skip(p, u16(b, 16), 'trailing');
      case 'z64':
        return this.skip(p, u64(b, 0), 'sig');
      case 'dsig':
        return this.skip(p, u16(b, 0), 'sig');
      default:
        throw new ScanStop('INTERNAL_ERROR', `zip reader in state ${this.state}`);
    }
  }

  private async openEntry(p: number): Promise<number> {
    const started = startEntry(
      this.ctx,
      this.book,
      this.torchRoots,
      this.local!,
      this.g.bytes,
      this.recordStart,
    );
    this.entry = started.entry;
    this.entryDescriptor = started.descriptor;
    this.dataStart = this.at(p);
    if (started.csize !== undefined) {
      this.remaining = started.csize;
      this.state = 'data';
      if (this.remaining === 0) await this.finishEntry(this.dataStart, this.entryDescriptor);
    } else if (this.entry.selfTerminating) {
      this.state = 'inflate';
    } else {
      this.scanner = new DescriptorScanner();
      this.state = 'scan';
    }
    return p;
  }

  private async finishEntry(end: number, descriptor: number): Promise<void> {
    const entry = this.entry!;
    this.entry = undefined;
    this.state = 'sig';
    this.expectDescriptor = descriptor;
    if (await this.guarded(() => entry.end(), entry))
      this.book.finishLocal(
        end,
        end - this.dataStart,
        entry.head.subarray(0, entry.headLength),
        entry.supported,
      );
  }

  /** Run an entry step; a ScanStop becomes an issue of this archive naming the member, and the entry is dropped. */
  private async guarded(step: () => unknown, entry = this.entry): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (err) {
      if (!(err instanceof ScanStop) || !entry) throw err;
      const shown = shownName(entry.name);
      this.ctx.issue(
        err.code,
        err.message.startsWith(shown) ? err.message : `member ${shown}: ${err.message}`,
        this.dataStart,
      );
      await entry.abort();
      this.entry = undefined;
      this.afterEntryFailure();
      return false;
    }
  }

  /** After a failed entry: skip its known remaining bytes, or look for the next record when its end is unknown. */
  private afterEntryFailure(): void {
    if (this.state === 'data') {
      this.skip(0, this.remaining, 'sig');
      this.expectDescriptor = this.entryDescriptor;
    } else if (this.state === 'inflate' || this.state === 'scan') {
      this.scanner = undefined;
      this.carry = new Uint8Array(0);
      this.state = 'resync';
    } else this.state = 'sig';
  }

  private async openTrailing(): Promise<void> {
    if (this.trailing) return;
    CONTAINER_RULES.report(this.ctx, 'CONTAINER-POLYGLOT', {
      message: `data after the end of the ZIP archive`,
      offset: this.offset,
    });
    this.trailing = this.ctx.openMember('<trailing>');
  }
}

export const zipDetector: Detector = {
  id: 'zip',
  version: 1,
  formats: ['zip'],
  create: (ctx) => new ZipReader(ctx),
};
