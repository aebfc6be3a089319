import type { DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import { shownName } from '../names.js';
import { CONTAINER_RULES } from '../rules.js';
import type { ZipBook } from './book.js';
import { ZipEntry } from './entry.js';
import * as R from './records.js';
import { routeMember, torchRoot } from './routing.js';

export interface EntryStart {
  entry: ZipEntry;
  /** Compressed size from the local header, or undefined when it is only in a data descriptor. */
  csize: number | undefined;
  /** Length of the data descriptor after the data without its signature (12, 20 for ZIP64), 0 when none. */
  descriptor: number;
}

/**
 * A local header and its name/extra bytes were read: check the member (limit, name, flag bits, method) and
 * set up how its data is read and where it is sent.
 */
export function startEntry(
  ctx: DetectorContext,
  book: ZipBook,
  torchRoots: Set<string>,
  h: R.LocalHeader,
  variable: Uint8Array,
  at: number,
): EntryStart {
  const name = R.decodeName(variable.subarray(0, h.nameLength), h.flags);
  const sizes = { usize: h.usize, csize: h.csize };
  const zip64 = R.applyZip64(variable.subarray(h.nameLength), sizes);
  if (book.count >= ctx.limits.maxMembers) {
    throw new ScanStop(
      'LIMIT_MEMBERS',
      `more than ${ctx.limits.maxMembers} members; the rest was not read`,
      at,
    );
  }
  book.addLocal(name, at);
  checkFlags(ctx, h.flags, name, at);
  const root = torchRoot(name);
  if (root !== undefined) torchRoots.add(root);
  const hasDescriptor = (h.flags & R.FLAG_DESCRIPTOR) !== 0;
  const known = !hasDescriptor || sizes.csize !== 0;
  const entry = new ZipEntry(
    ctx,
    name,
    h.method,
    known ? sizes.usize : undefined,
    routeMember(name, ctx.shared, torchRoots),
  );
  if (!entry.supported) {
    const method = R.METHOD_NAMES[h.method] ?? `#${h.method}`;
    ctx.issue(
      'UNSUPPORTED_FORMAT',
      `member ${shownName(name)}: compression method ${method} is not read`,
      at,
    );
  }
  return { entry, csize: known ? sizes.csize : undefined, descriptor: hasDescriptor ? (zip64 ? 20 : 12) : 0 };
}

/** Encryption / patch flag bits: PyTorch reads such members anyway, so they are read, reported and, if encrypted, unverifiable. */
function checkFlags(ctx: DetectorContext, flags: number, name: string, at: number): void {
  const odd = flags & (R.FLAG_ENCRYPTED | R.FLAG_PATCHED | R.FLAG_STRONG);
  if (odd === 0) return;
  const shown = shownName(name);
  CONTAINER_RULES.report(ctx, 'CONTAINER-ZIP-FLAG-BITS', {
    message: `member ${shown} has flag bits 0x${odd.toString(16)}`,
    offset: at,
  });
  if (flags & (R.FLAG_ENCRYPTED | R.FLAG_STRONG)) {
    ctx.issue(
      'ENCRYPTED',
      `member ${shown} is flagged encrypted: read as plain bytes as PyTorch does; if it is really encrypted its content cannot be checked`,
      at,
    );
  }
}
