/** Test helper: builds safetensors bytes, valid or deliberately broken. Never used by the scanner itself. */

export interface StTensor {
  dtype: string;
  shape: number[];
  /** Defaults to contiguous offsets computed from shape x dtype size. */
  offsets?: [number, number];
}

export interface StOptions {
  metadata?: Record<string, unknown>;
  /** Raw header text instead of one built from tensors/metadata. */
  rawHeader?: string;
  /** Override the 8-byte length field. */
  headerLength?: bigint;
  /** Bytes appended after the data section. */
  trailing?: Uint8Array;
  /** Override the data section (defaults to zeros of the computed length). */
  data?: Uint8Array;
  /** Pad the header with spaces to a multiple of this (the reference writer uses 8). */
  align?: number;
}

const BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F16: 2,
  BF16: 2,
  I16: 2,
  U16: 2,
  F32: 4,
  I32: 4,
  U32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

export function buildSafetensors(tensors: Record<string, StTensor>, options: StOptions = {}): Uint8Array {
  let at = 0;
  const header: Record<string, unknown> = {};
  if (options.metadata) header.__metadata__ = options.metadata;
  for (const [name, t] of Object.entries(tensors)) {
    const size = t.shape.reduce((a, b) => a * b, 1) * (BYTES[t.dtype] ?? 1);
    const offsets = t.offsets ?? [at, at + size];
    at = Math.max(at, offsets[1]);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: offsets };
  }
  let text = options.rawHeader ?? JSON.stringify(header);
  const align = options.align ?? 8;
  while (new TextEncoder().encode(text).length % align !== 0) text += ' ';
  const head = new TextEncoder().encode(text);
  const data = options.data ?? new Uint8Array(at);
  const trailing = options.trailing ?? new Uint8Array(0);
  const out = new Uint8Array(8 + head.length + data.length + trailing.length);
  new DataView(out.buffer).setBigUint64(0, options.headerLength ?? BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  out.set(trailing, 8 + head.length + data.length);
  return out;
}
