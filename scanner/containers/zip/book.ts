import type { DetectorContext } from '../../detector.js';
import type { FormatId } from '../../format.js';
import { linkEscapes, shownName, traversalReason } from '../names.js';
import { CONTAINER_RULES } from '../rules.js';
import { S_IFLNK, unixType, type CentralHeader } from './records.js';

/** Total leading bytes kept across all entries (symlink targets, NumPy magic); beyond it heads are dropped. */
export const HEAD_BUDGET = 1024 * 1024;

const NUMPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

interface LocalRecord {
  name: string;
  offset: number;
  /** Offset just past the entry's data (and descriptor); undefined while it is read. */
  end: number | undefined;
  head: Uint8Array | undefined;
  /** Compressed bytes read for the entry. */
  compressed: number | undefined;
}

/**
 * What one ZIP has shown so far: local entries in stream order (offset, name, data range, first bytes) and the
 * central directory cross-check against them. Memory grows with the member count only (bounded by maxMembers).
 */
export class ZipBook {
  private readonly byOffset = new Map<number, LocalRecord>();
  private readonly ordered: LocalRecord[] = [];
  private readonly localNames = new Set<string>();
  private readonly centralNames: string[] = [];
  private headBudget = HEAD_BUDGET;
  private numpyMembers = 0;
  centralEntries = 0;

  constructor(private readonly ctx: DetectorContext) {}

  get count(): number {
    return this.ordered.length;
  }

  /** A local header was read; reports duplicate names and path traversal. */
  addLocal(name: string, offset: number): void {
    if (this.localNames.has(name)) {
      CONTAINER_RULES.report(this.ctx, 'CONTAINER-ZIP-DUPLICATE-NAME', {
        message: `two members are named ${shownName(name)}`,
        offset,
      });
    }
    this.localNames.add(name);
    const why = traversalReason(name);
    if (why)
      CONTAINER_RULES.report(this.ctx, 'CONTAINER-PATH-TRAVERSAL', {
        message: `member ${shownName(name)}: ${why}`,
        offset,
      });
    const rec: LocalRecord = { name, offset, end: undefined, head: undefined, compressed: undefined };
    this.byOffset.set(offset, rec);
    this.ordered.push(rec);
  }

  /** The current entry's data ended at `end`; keep its first bytes while the budget lasts. */
  finishLocal(end: number, compressed: number, head: Uint8Array, supported: boolean): void {
    const rec = this.ordered[this.ordered.length - 1];
    if (!rec) return;
    rec.end = end;
    rec.compressed = compressed;
    if (supported && head.length >= NUMPY_MAGIC.length && NUMPY_MAGIC.every((b, i) => head[i] === b))
      this.numpyMembers++;
    if (head.length <= this.headBudget) {
      rec.head = head.slice();
      this.headBudget -= head.length;
    }
  }

  /** Cross-check one central directory entry against the local headers read. */
  checkCentral(c: CentralHeader, name: string, at: number): void {
    this.centralEntries++;
    this.centralNames.push(name);
    const rec = this.byOffset.get(c.localOffset);
    const shown = shownName(name);
    if (!rec) {
      const host = this.containing(c.localOffset);
      if (host) {
        CONTAINER_RULES.report(this.ctx, 'CONTAINER-ZIP-HIDDEN-ENTRY', {
          message: `central directory entry ${shown} starts inside member ${shownName(host.name)}`,
          offset: at,
        });
      }
      this.ctx.issue(
        'UNREADABLE',
        `central directory entry ${shown} points to offset ${c.localOffset}, where no local header was read; it cannot be read in one pass`,
        at,
      );
      return;
    }
    if (rec.name !== name) {
      CONTAINER_RULES.report(this.ctx, 'CONTAINER-ZIP-NAME-MISMATCH', {
        message: `local header names ${shownName(rec.name)}, central directory names ${shown}`,
        offset: at,
      });
      const why = traversalReason(name);
      if (why)
        CONTAINER_RULES.report(this.ctx, 'CONTAINER-PATH-TRAVERSAL', {
          message: `member ${shown}: ${why}`,
          offset: at,
        });
    }
    if (rec.compressed !== undefined && c.csize !== rec.compressed) {
      this.ctx.issue(
        'UNREADABLE',
        `member ${shown}: the central directory gives ${c.csize} compressed bytes, ${rec.compressed} were read; a central-directory reader sees other data`,
        at,
      );
    }
    if (unixType(c) === S_IFLNK) this.checkLink(rec, shown, at);
  }

  private checkLink(rec: LocalRecord, shown: string, at: number): void {
    if (!rec.head) {
      this.ctx.issue(
        'UNREADABLE',
        `symbolic link ${shown}: target not kept, cannot check where it points`,
        at,
      );
      return;
    }
    const target = new TextDecoder('utf-8').decode(rec.head);
    if (linkEscapes(rec.name, target)) {
      CONTAINER_RULES.report(this.ctx, 'CONTAINER-PATH-TRAVERSAL', {
        message: `symbolic link ${shown} points outside the archive`,
        offset: at,
      });
    } else {
      CONTAINER_RULES.report(this.ctx, 'CONTAINER-SYMLINK', {
        message: `symbolic link ${shown}`,
        offset: at,
      });
    }
  }

  /** The local entry whose header or data contains `offset`, if any. */
  private containing(offset: number): LocalRecord | undefined {
    let lo = 0;
    let hi = this.ordered.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ordered[mid]!;
      if (r.offset > offset) hi = mid - 1;
      else if (r.end !== undefined && offset >= r.end) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  /** The format the members show: torchscript, pytorch-zip, numpy-npz, keras-v3, else zip. */
  refine(): FormatId {
    const names = [...this.localNames, ...this.centralNames];
    if (names.some((n) => /^[^/]+\/constants\.pkl$/.test(n) || /^[^/]+\/code\//.test(n)))
      return 'torchscript';
    if (names.some((n) => /^([^/]+\/)?data\.pkl$/.test(n))) return 'pytorch-zip';
    if (this.count > 0 && this.numpyMembers === this.count) return 'numpy-npz';
    if (this.localNames.has('config.json') && this.localNames.has('metadata.json')) return 'keras-v3';
    return 'zip';
  }
}
