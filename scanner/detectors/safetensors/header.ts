import { ScanStop } from '../../errors.js';
import { quoteName } from '../data/names.js';
import { findDuplicateKey } from './duplicate-keys.js';
import { SAFETENSORS_DTYPE_BITS } from './dtypes.js';

/** One tensor's byte range, relative to the start of the data section. */
export interface TensorRange {
  name: string;
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  tensors: TensorRange[];
  /** Bytes the data section must hold exactly (the end of the last tensor). */
  dataLength: number;
  metadata: Map<string, string>;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function malformed(message: string, offset = 8): ScanStop {
  return new ScanStop('PARSE_ERROR', `safetensors: ${message}`, offset);
}

/**
 * Parse and validate the JSON header (bytes after the 8-byte length). Everything the format requires is
 * checked: a JSON object starting with `{`, no duplicate keys, known dtypes, integer shapes, `data_offsets`
 * that are sorted, contiguous and non-overlapping from 0, each matching numel * dtype size, and
 * `__metadata__` mapping strings to strings. Any violation throws ScanStop(PARSE_ERROR).
 */
export function parseSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  if (bytes[0] !== 0x7b) throw malformed('header does not start with "{"');
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw malformed('header is not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw malformed(`header is not valid JSON (${(err as Error).message.slice(0, 120)})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw malformed('header is not a JSON object');
  const dup = findDuplicateKey(text);
  if (dup !== undefined)
    throw malformed(`duplicate key ${quoteName(dup)} in header (loaders disagree on which one wins)`);

  const metadata = new Map<string, string>();
  const tensors: TensorRange[] = [];
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw malformed('__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw malformed(`__metadata__ value of ${quoteName(k)} is not a string`);
        metadata.set(k, v);
      }
      continue;
    }
    tensors.push(parseTensor(name, value));
  }

  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const t of tensors) {
    if (t.begin < at)
      throw malformed(`data_offsets of tensor ${quoteName(t.name)} overlap the previous tensor`);
    if (t.begin > at)
      throw malformed(
        `gap of ${t.begin - at} bytes before tensor ${quoteName(t.name)} (data_offsets not contiguous)`,
      );
    at = t.end;
  }
  return { tensors, dataLength: at, metadata };
}

function parseTensor(name: string, value: unknown): TensorRange {
  const q = quoteName(name);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed(`tensor ${q} is not an object`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  const bits = typeof dtype === 'string' ? SAFETENSORS_DTYPE_BITS.get(dtype) : undefined;
  if (bits === undefined) throw malformed(`tensor ${q} has an unknown dtype`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw malformed(`tensor ${q} has an invalid shape`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)
  ) {
    throw malformed(`tensor ${q} has invalid data_offsets`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw malformed(`tensor ${q} has data_offsets that end before they begin`);
  let numel = 1n;
  for (const d of shape as number[]) numel *= BigInt(d);
  const wantBits = numel * BigInt(bits);
  if (wantBits % 8n !== 0n || wantBits / 8n !== BigInt(end - begin)) {
    throw malformed(
      `tensor ${q}: ${end - begin} bytes in data_offsets but shape x dtype needs ${wantBits} bits`,
    );
  }
  return { name, begin, end };
}
