import { concatBytes } from '../gather.js';

/**
 * Find the next local header, central directory header or end record in `carry` (the last bytes of the
 * previous chunk) followed by `chunk`. Used to continue after unreadable bytes; the skipped bytes were already
 * reported as an issue.
 */
export function findRecord(
  carry: Uint8Array,
  chunk: Uint8Array,
): { index: number; rest: Uint8Array } | undefined {
  const win = concatBytes(carry, chunk);
  let p = win.indexOf(0x50);
  while (p >= 0 && p + 3 < win.length) {
    if (win[p + 1] === 0x4b) {
      const a = win[p + 2];
      const b = win[p + 3];
      if ((a === 3 && b === 4) || (a === 1 && b === 2) || (a === 5 && b === 6))
        return { index: p, rest: win.subarray(p) };
    }
    p = win.indexOf(0x50, p + 1);
  }
  return undefined;
}
