/** Test helper: builds NumPy .npy bytes (v1.0/2.0/3.0), valid or deliberately broken. */

export interface NpyOptions {
  version?: 1 | 2 | 3;
  /** Header dict text; defaults to a float32 array of `shape`. */
  header?: string;
  descr?: string;
  shape?: number[];
  /** Array bytes (or the pickle, for object dtypes). Defaults to zeros of prod(shape) * 4. */
  data?: Uint8Array;
  /** Override the header-length field. */
  headerLength?: number;
}

export function buildNpy(o: NpyOptions = {}): Uint8Array {
  const version = o.version ?? 1;
  const shape = o.shape ?? [2, 3];
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header =
    o.header ?? `{'descr': '${o.descr ?? '<f4'}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  while ((pre + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = new TextEncoder().encode(header);
  const data = o.data ?? new Uint8Array(shape.reduce((a, b) => a * b, 1) * 4);
  const out = new Uint8Array(pre + head.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, o.headerLength ?? head.length, true);
  else view.setUint32(8, o.headerLength ?? head.length, true);
  out.set(head, pre);
  out.set(data, pre + head.length);
  return out;
}
