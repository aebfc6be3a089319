import protobuf from 'protobufjs';

/**
 * Test-only protobuf encoder. Messages are lists of fields; protobufjs' Writer does the wire encoding
 * (it fits here: test inputs are small and built whole in memory).
 */
export type ProtoField =
  | { n: number; varint: number }
  | { n: number; bytes: Uint8Array }
  | { n: number; str: string }
  | { n: number; msg: ProtoField[] }
  | { n: number; fixed64: true };

export function encodeMessage(fields: readonly ProtoField[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const f of fields) {
    if ('varint' in f) w.uint32((f.n << 3) | 0).uint64(f.varint);
    else if ('bytes' in f) w.uint32((f.n << 3) | 2).bytes(f.bytes);
    else if ('str' in f) w.uint32((f.n << 3) | 2).string(f.str);
    else if ('msg' in f) w.uint32((f.n << 3) | 2).bytes(encodeMessage(f.msg));
    else w.uint32((f.n << 3) | 1).fixed64(0);
  }
  return w.finish();
}

export const v = (n: number, value: number): ProtoField => ({ n, varint: value });
export const s = (n: number, value: string): ProtoField => ({ n, str: value });
export const b = (n: number, value: Uint8Array): ProtoField => ({ n, bytes: value });
export const m = (n: number, ...fields: ProtoField[]): ProtoField => ({ n, msg: fields });

/** ONNX helpers (field numbers from onnx.proto). */
export const onnx = {
  model: (...fields: ProtoField[]) =>
    encodeMessage([v(1, 8), s(2, 'cavra-test'), ...fields, m(8, s(1, ''), v(2, 17))]),
  graph: (...fields: ProtoField[]) => m(7, s(2, 'g'), ...fields),
  node: (op: string, domain = '', ...fields: ProtoField[]) =>
    m(1, s(1, 'x'), s(2, 'y'), s(4, op), ...(domain ? [s(7, domain)] : []), ...fields),
  /** An initializer with float32 raw data. */
  tensor: (name: string, dims: number[], rawBytes: number, ...fields: ProtoField[]) =>
    m(5, ...dims.map((d) => v(1, d)), v(2, 1), s(8, name), b(9, new Uint8Array(rawBytes)), ...fields),
  externalTensor: (name: string, location: string) =>
    m(
      5,
      v(1, 2),
      v(2, 1),
      s(8, name),
      m(13, s(1, 'location'), s(2, location)),
      m(13, s(1, 'length'), s(2, '8')),
      v(14, 1),
    ),
  function: (domain: string, name: string, ...nodes: ProtoField[]) =>
    ({ n: 25, msg: [s(1, name), ...nodes.map((nd) => ({ ...nd, n: 7 })), s(10, domain)] }) as ProtoField,
};

/** TensorFlow helpers (saved_model.proto, meta_graph.proto, graph.proto, function.proto). */
export const tf = {
  node: (name: string, op: string) => m(1, s(1, name), s(2, op), s(4, '/device:CPU:0')),
  savedModel: (graphNodes: ProtoField[], functions: ProtoField[][] = []) =>
    encodeMessage([
      v(1, 1),
      m(
        2,
        m(1, m(2, m(1, s(1, 'Const'))), s(4, 'serve'), s(5, '2.15.0')),
        m(
          2,
          ...graphNodes,
          m(
            2,
            ...functions.map((nodes, i) =>
              m(1, m(1, s(1, `__inference_fn_${i}`)), ...nodes.map((nd) => ({ ...nd, n: 3 }))),
            ),
          ),
          m(4, v(1, 1808)),
        ),
      ),
    ]),
  graphDef: (graphNodes: ProtoField[]) => encodeMessage([...graphNodes, m(4, v(1, 1808))]),
  kerasMetadata: (...metadata: string[]) =>
    encodeMessage(
      metadata.map((json, i) =>
        m(
          1,
          v(1, i),
          s(2, i === 0 ? 'root' : `root.layer-${i}`),
          s(3, '_tf_keras_layer'),
          s(4, json),
          m(5, v(1, 1)),
        ),
      ),
    ),
};
