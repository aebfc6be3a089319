import type { Sniffer } from '../sniffer.js';

/** Valid UTF-8 with no NUL and few control bytes; a multi-byte sequence cut by the head's end is allowed. */
export function isText(h: Uint8Array, complete: boolean): boolean {
  if (h.length === 0) return false;
  let control = 0;
  let i = 0;
  while (i < h.length) {
    const c = h[i]!;
    if (c < 0x80) {
      if (c === 0) return false;
      if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) control++;
      i++;
      continue;
    }
    const n = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : -1;
    if (n < 0 || c > 0xf4) return false;
    if (i + n >= h.length) return !complete;
    for (let k = 1; k <= n; k++) if ((h[i + k]! & 0xc0) !== 0x80) return false;
    i += n + 1;
  }
  return control * 100 <= h.length;
}

function firstNonSpace(h: Uint8Array): number {
  for (const c of h)
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xef && c !== 0xbb && c !== 0xbf)
      return c;
  return -1;
}

export const json: Sniffer = {
  format: 'json',
  test: (h, complete) => {
    const c = firstNonSpace(h);
    return (c === 0x7b || c === 0x5b) && isText(h, complete);
  },
};

export const text: Sniffer = { format: 'text', test: (h, complete) => isText(h, complete) };
