import { concatBytes, u32, u64 } from '../gather.js';

/** Bytes held back: a descriptor without signature sits up to 20 bytes before the next header it is found by. */
const HOLD = 20;
/** Lookahead needed to check a signed descriptor (signature, CRC, two 8-byte ZIP64 sizes) and what follows it. */
const LOOKAHEAD = 28;

export interface ScanStep {
  /** Entry data that is certainly before the end; pass it on. */
  data: Uint8Array;
  /** Set when the end was found: the bytes after the entry (descriptor skipped), to be parsed as records. */
  rest?: Uint8Array;
  /** Length of the descriptor that was skipped (0 when `rest` begins at the next header). */
  descriptorLength?: number;
}

/**
 * Finds the end of a ZIP entry whose size is only in a trailing data descriptor (flag bit 3) and whose method
 * does not end by itself (stored — what torch.save writes — or a method we do not decode). A candidate end is
 * accepted only when the descriptor's compressed size equals the number of data bytes before it:
 *   - `PK\x07\x08` + CRC + size32 (or size64), or
 *   - a descriptor without signature (CRC + sizes) directly before the next local/central header.
 * Hand-written because ZIP libraries read such entries through the central directory, which comes last.
 */
export class DescriptorScanner {
  private held: Uint8Array = new Uint8Array(0);
  /** Entry data bytes already passed on. */
  private sent = 0;

  /** Total entry data length once found, else the bytes passed so far. */
  get length(): number {
    return this.sent;
  }

  /** `final`: no more bytes will come, so candidates at the very end are checked with what is there. */
  push(chunk: Uint8Array, final = false): ScanStep {
    const win = concatBytes(this.held, chunk);
    const base = this.sent;
    let pending = win.length;
    let p = win.indexOf(0x50);
    while (p >= 0 && p + 1 < win.length) {
      if (win[p + 1] === 0x4b) {
        if (p + LOOKAHEAD > win.length && !final) {
          pending = p;
          break;
        }
        const sig = p + 4 <= win.length ? u32(win, p) : 0;
        if (sig === 0x08074b50) {
          // 32- or 64-bit sizes: both may match (e.g. an empty entry); prefer the one followed by a record.
          const d32 = p + 16 <= win.length && u32(win, p + 8) === base + p;
          const d64 = p + 24 <= win.length && u64(win, p + 8) === base + p;
          const record = (at: number): boolean => win[at] === 0x50 && win[at + 1] === 0x4b;
          if (d32 && (!d64 || record(p + 16))) return this.found(win, p, p + 16);
          if (d64) return this.found(win, p, p + 24);
        } else if (sig === 0x04034b50 || sig === 0x02014b50) {
          if (p >= 12 && u32(win, p - 8) === base + p - 12) return this.found(win, p - 12, p, 12);
          if (p >= 20 && u64(win, p - 16) === base + p - 20) return this.found(win, p - 20, p, 20);
        }
      }
      p = win.indexOf(0x50, p + 1);
    }
    if (p >= 0 && p + 1 >= win.length) pending = Math.min(pending, p);
    const safe = Math.max(0, Math.min(pending, win.length - LOOKAHEAD + 1) - HOLD);
    this.held = win.slice(safe);
    this.sent += safe;
    return { data: win.subarray(0, safe) };
  }

  /** The input ended: a descriptor in the held-back bytes, or else all of them as data (no `rest`). */
  finish(): ScanStep {
    const step = this.push(new Uint8Array(0), true);
    if (step.rest !== undefined) return step;
    const data = concatBytes(step.data, this.held);
    this.sent += this.held.length;
    this.held = new Uint8Array(0);
    return { data };
  }

  private found(win: Uint8Array, dataEnd: number, after: number, unsigned = 0): ScanStep {
    this.sent += dataEnd;
    this.held = new Uint8Array(0);
    return {
      data: win.subarray(0, dataEnd),
      rest: win.subarray(after),
      descriptorLength: unsigned === 0 ? after - dataEnd : unsigned,
    };
  }
}
