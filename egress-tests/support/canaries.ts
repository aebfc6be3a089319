import { randomBytes } from 'node:crypto';

/** Random markers planted in every place model data lives; none of them may ever leave the scanner. */
export interface Canaries {
  /** Raw bytes inside tensor data (safetensors). */
  tensor: Uint8Array;
  /** A string argument of a malicious pickle's call. */
  pickle: string;
  /** A safetensors `__metadata__` value. */
  metadata: string;
  /** Inside a GGUF chat template. */
  template: string;
  /** In the content of a plain text file of the repo. */
  text: string;
}

export type CanaryKind = keyof Canaries;
export const CANARY_KINDS: readonly CanaryKind[] = ['tensor', 'pickle', 'metadata', 'template', 'text'];

/** Text canaries carry a space and a slash so their URL-encoded form differs from the raw one. */
export function makeCanaries(): Canaries {
  const text = (kind: string) => `CVRY ${kind}/${randomBytes(16).toString('hex')}`;
  return {
    tensor: randomBytes(32),
    pickle: text('pickle'),
    metadata: text('metadata'),
    template: text('template'),
    text: text('text'),
  };
}

/** JSON-safe form (for handing canaries to a child process). */
export function serializeCanaries(c: Canaries): Record<CanaryKind, string> {
  return { ...c, tensor: Buffer.from(c.tensor).toString('hex') };
}

export function parseCanaries(s: Record<CanaryKind, string>): Canaries {
  return { ...s, tensor: Buffer.from(s.tensor, 'hex') };
}

export interface Needle {
  kind: CanaryKind;
  form: string;
  bytes: Buffer;
}

/** base64 of `bytes` as it appears inside a longer base64 text, for each of the 3 byte alignments. */
function base64Cores(bytes: Buffer, url: boolean): Buffer[] {
  const out: Buffer[] = [];
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString(url ? 'base64url' : 'base64');
    const groups = Math.floor((k + bytes.length) / 3);
    out.push(Buffer.from(enc.slice(k > 0 ? 4 : 0, groups * 4), 'ascii'));
  }
  return out;
}

function percentAll(bytes: Buffer, upper: boolean): Buffer {
  const hex = bytes.toString('hex');
  let s = '';
  for (let i = 0; i < hex.length; i += 2) s += `%${hex.slice(i, i + 2)}`;
  return Buffer.from(upper ? s.toUpperCase() : s, 'ascii');
}

/**
 * Every form a canary could take on the wire: raw, hex (both cases), base64 and base64url at each alignment,
 * fully percent-encoded, and (for text canaries) `encodeURIComponent`, form-encoding and JSON-escaped forms; for
 * text canaries the random core alone is searched as well, so a truncated copy is caught too.
 */
export function canaryNeedles(c: Canaries): Needle[] {
  const needles: Needle[] = [];
  const add = (kind: CanaryKind, form: string, bytes: Buffer) => needles.push({ kind, form, bytes });
  for (const kind of CANARY_KINDS) {
    const value = c[kind];
    const variants: [string, Buffer][] =
      typeof value === 'string'
        ? [
            ['full', Buffer.from(value)],
            ['core', Buffer.from(value.split('/')[1]!)],
          ]
        : [['full', Buffer.from(value)]];
    for (const [part, raw] of variants) {
      add(kind, `${part} raw`, raw);
      add(kind, `${part} hex`, Buffer.from(raw.toString('hex')));
      add(kind, `${part} HEX`, Buffer.from(raw.toString('hex').toUpperCase()));
      base64Cores(raw, false).forEach((b, i) => add(kind, `${part} base64@${i}`, b));
      base64Cores(raw, true).forEach((b, i) => add(kind, `${part} base64url@${i}`, b));
      add(kind, `${part} %xx`, percentAll(raw, false));
      add(kind, `${part} %XX`, percentAll(raw, true));
      if (typeof value === 'string' && part === 'full') {
        add(kind, 'encodeURIComponent', Buffer.from(encodeURIComponent(value)));
        add(kind, 'form-encoded', Buffer.from(new URLSearchParams({ v: value }).toString().slice(2)));
        add(kind, 'json-escaped-slash', Buffer.from(value.replace('/', '\\/')));
      }
      if (typeof value !== 'string') add(kind, 'latin1-as-utf8', Buffer.from(raw.toString('latin1'), 'utf8'));
    }
  }
  return needles;
}

/** Which needles occur in `haystack`. */
export function findCanaries(
  haystack: Uint8Array,
  needles: readonly Needle[],
): { kind: CanaryKind; form: string }[] {
  const hay = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength);
  return needles.filter((n) => hay.includes(n.bytes)).map((n) => ({ kind: n.kind, form: n.form }));
}
