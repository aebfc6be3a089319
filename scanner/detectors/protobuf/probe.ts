import type { Sniffer } from '../../sniffer.js';

/**
 * Structural sniffers for protobuf model files, which have no magic number: the first 64 KiB must parse as the
 * expected top-level fields (right field numbers and wire types, well-formed nested starts). Random bytes and
 * text fail within a few bytes. A cut last field is accepted even for a complete object, so a truncated model
 * is still named (and its detector reports the truncation, keeping what it found before). Never throws.
 */

interface Field {
  field: number;
  wire: number;
  /** Varint value (wire 0) or declared length (wire 2). */
  value: number;
  /** Offset of the value (wire 2: first content byte). */
  at: number;
  /** The length-delimited content runs past the bytes we have. */
  cut: boolean;
}

/** Most fields read by a sniffer at one level. */
const MAX_FIELDS = 4096;

function varint(b: Uint8Array, at: number, end: number): [number, number] | undefined {
  let v = 0;
  for (let i = 0; i < 10 && at + i < end; i++) {
    const c = b[at + i]!;
    v += (c & 0x7f) * 2 ** (7 * i);
    if (!(c & 0x80)) return [v, at + i + 1];
  }
  return undefined;
}

/** The fields in b[start, end). `open` allows the last field to run past `end` (a cut head). */
function fields(b: Uint8Array, start: number, end: number, open: boolean): Field[] | undefined {
  const out: Field[] = [];
  let p = start;
  while (p < end && out.length < MAX_FIELDS) {
    const tag = varint(b, p, end);
    if (!tag) return open ? out : undefined;
    const field = Math.floor(tag[0] / 8);
    const wire = tag[0] % 8;
    if (field === 0 || field > 536_870_911) return undefined;
    p = tag[1];
    if (wire === 0 || wire === 2) {
      const v = varint(b, p, end);
      if (!v) return open ? out : undefined;
      p = v[1];
      const cut = wire === 2 && p + v[0] > end;
      if (cut && !open) return undefined;
      out.push({ field, wire, value: v[0], at: p, cut });
      if (cut) return out;
      if (wire === 2) p += v[0];
    } else if (wire === 1 || wire === 5) {
      p += wire === 1 ? 8 : 4;
      if (p > end && !open) return undefined;
      out.push({ field, wire, value: 0, at: p, cut: p > end });
    } else return undefined;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(b: Uint8Array, f: Field): string | undefined {
  if (f.cut) return undefined;
  try {
    const s = utf8.decode(b.subarray(f.at, f.at + f.value));
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 && (c < 0x09 || c > 0x0d)) return undefined;
    }
    return s;
  } catch {
    return undefined;
  }
}

const ONNX_WIRE: Readonly<Record<number, number>> = {
  1: 0,
  2: 2,
  3: 2,
  4: 2,
  5: 0,
  6: 2,
  7: 2,
  8: 2,
  14: 2,
  20: 2,
  25: 2,
};

/** ONNX ModelProto: ir_version first, then only ModelProto fields, with a graph/opset/function among them. */
export function probeOnnx(head: Uint8Array, _complete: boolean): boolean {
  const top = fields(head, 0, head.length, true);
  if (!top || top.length < 2) return false;
  const ir = top[0]!;
  if (ir.field !== 1 || ir.wire !== 0 || ir.value < 1 || ir.value > 100) return false;
  let structure = false;
  for (const f of top) {
    if (ONNX_WIRE[f.field] !== f.wire) return false;
    if ((f.field === 2 || f.field === 3 || f.field === 4) && !f.cut && text(head, f) === undefined)
      return false;
    if (f.field === 7 || f.field === 8 || f.field === 25) {
      const inner = fields(head, f.at, Math.min(f.at + f.value, head.length), f.cut);
      if (!inner || (inner.length === 0 && f.value > 0)) return false;
      structure = true;
    }
  }
  return structure;
}

export type TfProtoKind = 'saved-model' | 'graph-def' | 'saved-metadata';

/** Which TensorFlow protobuf `head` starts, if any: SavedModel, frozen GraphDef or Keras SavedMetadata. */
export function classifyTfProto(head: Uint8Array, _complete: boolean): TfProtoKind | undefined {
  const top = fields(head, 0, head.length, true);
  if (!top || top.length === 0) return undefined;
  const f0 = top[0]!;
  if (f0.field === 1 && f0.wire === 0) {
    // SavedModel { int64 saved_model_schema_version = 1; repeated MetaGraphDef meta_graphs = 2; }
    if (f0.value > 10 || top.length < 2) return undefined;
    for (const f of top.slice(1)) if (f.field !== 2 || f.wire !== 2) return undefined;
    const meta = top[1]!;
    const inner = fields(head, meta.at, Math.min(meta.at + meta.value, head.length), meta.cut);
    if (!inner || inner.length === 0) return undefined;
    return inner.every((g) => g.wire === 2 && g.field <= 9) ? 'saved-model' : undefined;
  }
  if (f0.field !== 1 || f0.wire !== 2 || f0.cut) return undefined;
  const inner = fields(head, f0.at, f0.at + f0.value, false);
  if (!inner || inner.length === 0) return undefined;
  if (inner[0]!.field === 1 && inner[0]!.wire === 2) {
    // GraphDef { repeated NodeDef node = 1; ... }: the first node has a name and an op identifier.
    const name = inner[0]!;
    const op = inner[1];
    if (!op || op.field !== 2 || op.wire !== 2) return undefined;
    const opText = text(head, op);
    const nameText = text(head, name);
    if (!opText || nameText === undefined || !/^[A-Za-z_][\w>.-]*$/.test(opText)) return undefined;
    return top.every((f) =>
      f.field === 1 || f.field === 2 || f.field === 4 ? f.wire === 2 : f.field === 3 && f.wire === 0,
    )
      ? 'graph-def'
      : undefined;
  }
  // SavedMetadata { repeated SavedObject nodes = 1; }: SavedObject.identifier starts with `_tf_keras`.
  const id = inner.find((g) => g.field === 3 && g.wire === 2);
  const ok = inner.every((g) =>
    g.field === 1 ? g.wire === 0 : g.field >= 2 && g.field <= 5 && g.wire === 2,
  );
  return ok && id && text(head, id)?.startsWith('_tf_keras') ? 'saved-metadata' : undefined;
}

export const onnxSniffer: Sniffer = { format: 'onnx', test: probeOnnx };

export const savedModelSniffer: Sniffer = {
  format: 'tf-savedmodel',
  test: (head, complete) => classifyTfProto(head, complete) !== undefined,
};
