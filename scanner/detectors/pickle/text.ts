import { BIGINT, type Value } from './values.js';

/** Thrown by the helpers below; the VM turns it into a PARSE_ERROR at the opcode's offset. */
export class BadArgument extends Error {}

const utf8 = new TextDecoder('utf-8');

/**
 * UTF-8 text of `data[a, b)`. Short ASCII runs are decoded by hand: a TextDecoder call costs more than the string
 * itself for the 1-20 byte names and keys that make up most pickles.
 */
export function decodeUtf8(data: Uint8Array, a: number, b: number): string {
  if (b - a <= 32) {
    let s = '';
    for (let i = a; i < b; i++) {
      const c = data[i]!;
      if (c >= 0x80) return utf8.decode(data.subarray(a, b));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(data.subarray(a, b));
}

/** Latin-1 view of bytes (each byte one code unit); used for line arguments before parsing. */
export function latin1(data: Uint8Array, a: number, b: number): string {
  let s = '';
  for (let i = a; i < b; i++) s += String.fromCharCode(data[i]!);
  return s;
}

/** Strict ASCII decode (INST / PERSID lines, as CPython's PyUnicode_DecodeASCII(..., "strict")). */
export function decodeAscii(data: Uint8Array, a: number, b: number): string {
  for (let i = a; i < b; i++) if (data[i]! >= 0x80) throw new BadArgument('non-ASCII byte in line argument');
  return latin1(data, a, b);
}

/**
 * The STRING opcode's argument: quoted, with Python 2 byte-string escapes (CPython PyBytes_DecodeEscape), then
 * decoded as text. Returns the decoded str.
 */
export function decodeStringLine(data: Uint8Array, a: number, b: number): string {
  const len = b - a;
  const q = data[a];
  if (len < 2 || data[b - 1] !== q || (q !== 0x27 && q !== 0x22))
    throw new BadArgument('the STRING opcode argument must be quoted');
  const out: number[] = [];
  for (let i = a + 1; i < b - 1; i++) {
    const c = data[i]!;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    i++;
    if (i >= b - 1) throw new BadArgument('trailing \\ in string');
    const e = data[i]!;
    switch (e) {
      case 0x5c:
        out.push(0x5c);
        break; // \\
      case 0x27:
        out.push(0x27);
        break; // \'
      case 0x22:
        out.push(0x22);
        break; // \"
      case 0x62:
        out.push(0x08);
        break; // \b
      case 0x66:
        out.push(0x0c);
        break; // \f
      case 0x74:
        out.push(0x09);
        break; // \t
      case 0x6e:
        out.push(0x0a);
        break; // \n
      case 0x72:
        out.push(0x0d);
        break; // \r
      case 0x76:
        out.push(0x0b);
        break; // \v
      case 0x61:
        out.push(0x07);
        break; // \a
      case 0x0a:
        break; // line continuation
      case 0x78: {
        // \xhh: exactly two hex digits
        const h = hex(data[i + 1]) * 16 + hex(data[i + 2]);
        if (i + 2 >= b - 1 || Number.isNaN(h)) throw new BadArgument('invalid \\x escape');
        out.push(h);
        i += 2;
        break;
      }
      default:
        if (e >= 0x30 && e <= 0x37) {
          // \ooo: one to three octal digits
          let v = e - 0x30;
          let n = 1;
          while (n < 3 && i + 1 < b - 1 && data[i + 1]! >= 0x30 && data[i + 1]! <= 0x37) {
            v = v * 8 + (data[++i]! - 0x30);
            n++;
          }
          out.push(v & 0xff);
        } else {
          out.push(0x5c, e); // unknown escapes are kept as written
        }
    }
  }
  return utf8.decode(Uint8Array.from(out));
}

function hex(c: number | undefined): number {
  if (c === undefined) return NaN;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return NaN;
}

/** The UNICODE opcode's argument: raw-unicode-escape (only \uXXXX / \UXXXXXXXX after an odd run of backslashes). */
export function decodeRawUnicodeEscape(data: Uint8Array, a: number, b: number): string {
  let s = '';
  let slashes = 0;
  for (let i = a; i < b; i++) {
    const c = data[i]!;
    if ((c === 0x75 || c === 0x55) && slashes % 2 === 1) {
      const n = c === 0x75 ? 4 : 8;
      let v = 0;
      for (let j = 1; j <= n; j++) {
        const h = hex(data[i + j]);
        if (i + j >= b || Number.isNaN(h)) throw new BadArgument('truncated \\uXXXX escape');
        v = v * 16 + h;
      }
      if (v > 0x10ffff) throw new BadArgument('\\Uxxxxxxxx out of range');
      s = s.slice(0, -1) + String.fromCodePoint(v);
      i += n;
      slashes = 0;
      continue;
    }
    slashes = c === 0x5c ? slashes + 1 : 0;
    s += String.fromCharCode(c);
  }
  return s;
}

const INT_RE =
  /^\s*[+-]?(0[xX](_?[0-9a-fA-F])+|0[oO](_?[0-7])+|0[bB](_?[01])+|0(_?0)*|[1-9](_?[0-9])*|0[0-7]+)\s*$/;

/** A Python int literal (INT / LONG lines: base 0 as CPython's strtol + PyLong_FromString); number or BIGINT. */
export function parseIntText(text: string): Value {
  if (!INT_RE.test(text)) throw new BadArgument('could not convert string to int');
  let t = text.trim().replace(/_/g, '');
  let neg = false;
  if (t[0] === '+' || t[0] === '-') {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  let big: bigint;
  if (/^0[0-7]+$/.test(t)) big = BigInt('0o' + t.slice(1));
  else big = BigInt(t);
  if (neg) big = -big;
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(big)
    : BIGINT;
}

/** A decimal memo index (GET / PUT lines). */
export function parseMemoKey(text: string): number {
  const t = text.trim().replace(/_/g, '');
  if (!/^[+-]?[0-9]+$/.test(t)) throw new BadArgument('invalid memo key');
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new BadArgument('memo key out of range');
  return n;
}

const FLOAT_RE = /^\s*[+-]?((\d(_?\d)*)?\.?\d(_?\d)*([eE][+-]?\d(_?\d)*)?|\d(_?\d)*\.|inf|infinity|nan)\s*$/i;

/** Validate a FLOAT line (the value itself is never needed). */
export function checkFloatText(text: string): void {
  if (!FLOAT_RE.test(text)) throw new BadArgument('could not convert string to float');
}

/** Two's-complement little-endian int of `data[a, b)` (LONG1 / LONG4): number or BIGINT. */
export function decodeLong(data: Uint8Array, a: number, b: number): Value {
  const n = b - a;
  if (n === 0) return 0;
  if (n > 7) return BIGINT;
  let v = 0;
  for (let i = b - 1; i >= a; i--) v = v * 256 + data[i]!;
  if (data[b - 1]! & 0x80) v -= 2 ** (8 * n);
  return Number.isSafeInteger(v) ? v : BIGINT;
}
