/** Test helper: builds GGUF bytes (v1-v3, either byte order), valid or deliberately broken. */

export type GgufValue =
  | { t: 'u32'; v: number }
  | { t: 'u8'; v: number }
  | { t: 'f32'; v: number }
  | { t: 'str'; v: string }
  | { t: 'arr'; elem: 'str'; v: string[] }
  | { t: 'arr'; elem: 'u32'; v: number[] }
  /** Raw value type id followed by raw bytes (for invalid types / nested arrays). */
  | { t: 'raw'; type: number; bytes: number[] };

export interface GgufTensorSpec {
  name: string;
  dims: number[];
  /** ggml type id (0 = F32). */
  type?: number;
  /** Defaults to the next aligned offset. */
  offset?: bigint;
}

export interface GgufSpec {
  version?: number;
  bigEndian?: boolean;
  kvs?: [string, GgufValue][];
  tensors?: GgufTensorSpec[];
  alignment?: number;
  /** Override the declared counts. */
  tensorCount?: bigint;
  kvCount?: bigint;
  /** Bytes appended after the (padded) tensor data. */
  trailing?: Uint8Array;
  /** Cut the output to this many bytes. */
  truncate?: number;
}

const TYPE = { u8: 0, u32: 4, f32: 6, str: 8, arr: 9 } as const;
const F32_BYTES = 4;

class Writer {
  parts: number[] = [];
  constructor(
    private readonly le: boolean,
    private readonly wide: boolean,
  ) {}
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, this.le);
    this.parts.push(...b);
  }
  u64(v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, this.le);
    this.parts.push(...b);
  }
  len(v: bigint | number): void {
    if (this.wide) this.u64(BigInt(v));
    else this.u32(Number(v));
  }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.len(b.length);
    this.parts.push(...b);
  }
}

export function buildGguf(spec: GgufSpec = {}): Uint8Array {
  const version = spec.version ?? 3;
  const le = !spec.bigEndian;
  const w = new Writer(le, version >= 2);
  w.parts.push(0x47, 0x47, 0x55, 0x46);
  w.u32(version);
  const tensors = spec.tensors ?? [];
  const kvs = spec.kvs ?? [];
  w.len(spec.tensorCount ?? BigInt(tensors.length));
  w.len(spec.kvCount ?? BigInt(kvs.length));
  for (const [key, value] of kvs) {
    w.str(key);
    writeValue(w, value);
  }
  const align = spec.alignment ?? 32;
  let next = 0n;
  let end = 0n;
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.len(d);
    w.u32(t.type ?? 0);
    const offset = t.offset ?? next;
    w.u64(offset);
    const size = BigInt(t.dims.reduce((a, b) => a * b, 1) * F32_BYTES);
    end = offset + size;
    next = ((end + BigInt(align) - 1n) / BigInt(align)) * BigInt(align);
  }
  if (tensors.length > 0) {
    while (w.parts.length % align !== 0) w.parts.push(0);
    // Hostile specs may declare exabytes of data: write it only when it is small.
    if (next <= 1n << 20n) for (let i = 0n; i < next; i++) w.parts.push(0);
  }
  const out = Uint8Array.from([...w.parts, ...(spec.trailing ?? [])]);
  return spec.truncate === undefined ? out : out.slice(0, spec.truncate);
}

function writeValue(w: Writer, value: GgufValue): void {
  switch (value.t) {
    case 'u8':
      w.u32(TYPE.u8);
      w.parts.push(value.v & 0xff);
      return;
    case 'u32':
      w.u32(TYPE.u32);
      w.u32(value.v);
      return;
    case 'f32': {
      w.u32(TYPE.f32);
      w.u32(new Uint32Array(new Float32Array([value.v]).buffer)[0]!);
      return;
    }
    case 'str':
      w.u32(TYPE.str);
      w.str(value.v);
      return;
    case 'arr':
      w.u32(TYPE.arr);
      w.u32(value.elem === 'str' ? TYPE.str : TYPE.u32);
      w.len(value.v.length);
      for (const e of value.v) {
        if (typeof e === 'string') w.str(e);
        else w.u32(e);
      }
      return;
    case 'raw':
      w.u32(value.type);
      w.parts.push(...value.bytes);
  }
}
