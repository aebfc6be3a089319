import { ScanStop } from '../../errors.js';

/** LZ4 matches reach at most this far back (the history kept between linked blocks). */
export const LZ4_WINDOW = 64 * 1024;

/**
 * Decode one LZ4 block (lz4 block format spec) from `src` into `dst` at `start`, where `dst[0..start)` is the
 * history earlier blocks left (linked blocks). Every read and write is bounds-checked: a malformed block
 * throws PARSE_ERROR instead of reading or writing outside the buffers. Returns the end of the output.
 * Hand-written: lz4js does no bounds checks and has no streaming frame decoder.
 */
export function decodeBlock(src: Uint8Array, dst: Uint8Array, start: number): number {
  let s = 0;
  let d = start;
  const bad = (why: string): never => {
    throw new ScanStop('PARSE_ERROR', `lz4 block invalid: ${why}`);
  };
  while (s < src.length) {
    const token = src[s++]!;
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= src.length) bad('literal length runs past the block');
        b = src[s++]!;
        lit += b;
      } while (b === 255);
    }
    if (s + lit > src.length) bad('literals run past the block');
    if (d + lit > dst.length) bad('output larger than the block maximum');
    dst.set(src.subarray(s, s + lit), d);
    s += lit;
    d += lit;
    if (s === src.length) break; // the last sequence has literals only
    if (s + 2 > src.length) bad('match offset missing');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) bad('match offset outside the output');
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (s >= src.length) bad('match length runs past the block');
        b = src[s++]!;
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (d + len > dst.length) bad('output larger than the block maximum');
    let from = d - offset;
    if (offset >= len) {
      dst.copyWithin(d, from, from + len);
      d += len;
    } else {
      for (let i = 0; i < len; i++) dst[d++] = dst[from++]!;
    }
  }
  return d;
}
