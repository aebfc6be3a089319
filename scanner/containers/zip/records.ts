import { u16, u32, u64 } from '../gather.js';

/** ZIP record signatures (APPNOTE 6.3.10), as little-endian u32. */
export const SIG = {
  local: 0x04034b50,
  central: 0x02014b50,
  eocd: 0x06054b50,
  zip64Eocd: 0x06064b50,
  zip64Locator: 0x07064b50,
  descriptor: 0x08074b50,
  signature: 0x05054b50,
} as const;

export const LOCAL_FIXED = 26; // after the 4-byte signature
export const CENTRAL_FIXED = 42;
export const EOCD_FIXED = 18;
export const FLAG_ENCRYPTED = 0x1;
export const FLAG_DESCRIPTOR = 0x8;
export const FLAG_PATCHED = 0x20;
export const FLAG_STRONG = 0x40;
export const FLAG_UTF8 = 0x800;
const MAX32 = 0xffffffff;

export interface LocalHeader {
  flags: number;
  method: number;
  csize: number;
  usize: number;
  nameLength: number;
  extraLength: number;
}

export function parseLocal(b: Uint8Array): LocalHeader {
  return {
    flags: u16(b, 2),
    method: u16(b, 4),
    csize: u32(b, 14),
    usize: u32(b, 18),
    nameLength: u16(b, 22),
    extraLength: u16(b, 24),
  };
}

export interface CentralHeader {
  madeBy: number;
  flags: number;
  method: number;
  csize: number;
  usize: number;
  nameLength: number;
  extraLength: number;
  commentLength: number;
  externalAttrs: number;
  localOffset: number;
}

export function parseCentral(b: Uint8Array): CentralHeader {
  return {
    madeBy: u16(b, 0),
    flags: u16(b, 4),
    method: u16(b, 6),
    csize: u32(b, 16),
    usize: u32(b, 20),
    nameLength: u16(b, 24),
    extraLength: u16(b, 26),
    commentLength: u16(b, 28),
    externalAttrs: u32(b, 34),
    localOffset: u32(b, 38),
  };
}

/**
 * Apply the ZIP64 extended-information extra field (id 0x0001): it holds, in this order, the uncompressed size,
 * compressed size and local header offset, each present only when the 32-bit field is 0xFFFFFFFF.
 * Returns whether a ZIP64 field was present.
 */
export function applyZip64(
  extra: Uint8Array,
  h: { usize: number; csize: number; localOffset?: number },
): boolean {
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = u16(extra, at);
    const size = u16(extra, at + 2);
    const body = extra.subarray(at + 4, Math.min(extra.length, at + 4 + size));
    if (id === 0x0001) {
      let o = 0;
      const next = (): number | undefined => {
        if (o + 8 > body.length) return undefined;
        const v = u64(body, o);
        o += 8;
        return v;
      };
      if (h.usize === MAX32) h.usize = next() ?? h.usize;
      if (h.csize === MAX32) h.csize = next() ?? h.csize;
      if (h.localOffset === MAX32) h.localOffset = next() ?? h.localOffset;
      return true;
    }
    at += 4 + size;
  }
  return false;
}

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/** Member names are UTF-8 with flag bit 11, else CP437; CP437 is shown as Latin-1 (names only label members). */
export function decodeName(bytes: Uint8Array, flags: number): string {
  return (flags & FLAG_UTF8 ? utf8 : latin1).decode(bytes);
}

export const METHOD_NAMES: Readonly<Record<number, string>> = {
  1: 'shrink',
  6: 'implode',
  9: 'deflate64',
  12: 'bzip2',
  14: 'lzma',
  93: 'zstd',
  95: 'xz',
  98: 'ppmd',
  99: 'aes-encrypted',
};

/** Unix file type bits from the central directory's external attributes (upper 16 bits), when made on Unix. */
export function unixType(c: Pick<CentralHeader, 'madeBy' | 'externalAttrs'>): number | undefined {
  const host = c.madeBy >> 8;
  if (host !== 3 && host !== 19) return undefined;
  return (c.externalAttrs >>> 16) & 0o170000;
}

export const S_IFLNK = 0o120000;
