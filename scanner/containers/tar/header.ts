/** One 512-byte tar header (v7, ustar, GNU); fields per POSIX.1-2001 ustar and GNU tar's documented extensions. */
export interface TarHeader {
  name: string;
  size: number;
  type: string;
  linkname: string;
}

export const BLOCK = 512;

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/** A NUL-terminated text field (names are bytes; shown as UTF-8, which ustar and pax use in practice). */
export function field(b: Uint8Array, at: number, len: number): string {
  const f = b.subarray(at, at + len);
  const nul = f.indexOf(0);
  return utf8.decode(nul < 0 ? f : f.subarray(0, nul));
}

/** Numeric field: octal text, or GNU base-256 when the high bit of the first byte is set. NaN when invalid. */
export function numeric(b: Uint8Array, at: number, len: number): number {
  const f = b.subarray(at, at + len);
  if (f[0]! & 0x80) {
    if (f[0]! & 0x40) return NaN; // negative
    let v = f[0]! & 0x3f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i]!;
    return v;
  }
  const text = latin1
    .decode(f)
    .replace(/[\0 ]+$/, '')
    .replace(/^[ \0]+/, '');
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}

/** The stored checksum matches the unsigned (or, as some old tars wrote it, signed) byte sum. */
export function checksumOk(b: Uint8Array): boolean {
  const stored = numeric(b, 148, 8);
  if (Number.isNaN(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

export function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

export function parseHeader(b: Uint8Array): TarHeader {
  let name = field(b, 0, 100);
  const magic = latin1.decode(b.subarray(257, 263));
  if (magic === 'ustar\0') {
    const prefix = field(b, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  const t = b[156]!;
  return {
    name,
    size: numeric(b, 124, 12),
    type: t === 0 ? '0' : String.fromCharCode(t),
    linkname: field(b, 157, 100),
  };
}

/** Pax extended header records: "<len> <key>=<value>\n". Malformed records stop the parse (returns undefined). */
export function parsePax(data: Uint8Array): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break;
    const sp = data.indexOf(0x20, at);
    if (sp < 0) return undefined;
    const len = Number(latin1.decode(data.subarray(at, sp)));
    if (!Number.isInteger(len) || len <= sp - at || at + len > data.length) return undefined;
    const rec = utf8.decode(data.subarray(sp + 1, at + len - 1));
    const eq = rec.indexOf('=');
    if (eq < 0) return undefined;
    out.set(rec.slice(0, eq), rec.slice(eq + 1));
    at += len;
  }
  return out;
}
