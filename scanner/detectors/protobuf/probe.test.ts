import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sniff } from '../../sniff.js';
import { onnx, tf } from '../../testkit/protobuf-builder.js';
import { classifyTfProto, probeOnnx } from './probe.js';

const onnxModel = onnx.model(onnx.graph(onnx.node('Relu'), onnx.tensor('w', [2, 2], 16)));
const savedModel = tf.savedModel([tf.node('x', 'Placeholder'), tf.node('y', 'Relu')]);
const graphDef = tf.graphDef([tf.node('x', 'Placeholder')]);
const metadata = tf.kerasMetadata('{"class_name": "Sequential"}');

describe('protobuf sniffers', () => {
  it('recognise each format by structure, also from a cut head', () => {
    expect(sniff(onnxModel, true)).toBe('onnx');
    expect(sniff(savedModel, true)).toBe('tf-savedmodel');
    expect(sniff(graphDef, true)).toBe('tf-savedmodel');
    expect(sniff(metadata, true)).toBe('tf-savedmodel');
    expect(classifyTfProto(savedModel, true)).toBe('saved-model');
    expect(classifyTfProto(graphDef, true)).toBe('graph-def');
    expect(classifyTfProto(metadata, true)).toBe('saved-metadata');
    expect(probeOnnx(onnxModel.subarray(0, 20), false)).toBe(true);
    expect(classifyTfProto(onnxModel, true)).toBeUndefined();
    expect(probeOnnx(savedModel, true)).toBe(false);
  });

  it('say no to text, JSON, a bare ir_version and random bytes', () => {
    for (const t of ['hello world\n', '{"a": 1}', '\n\n\nabc', 'import os\nos.system("x")\n']) {
      const bytes = new TextEncoder().encode(t);
      expect(probeOnnx(bytes, true)).toBe(false);
      expect(classifyTfProto(bytes, true)).toBeUndefined();
    }
    expect(probeOnnx(onnxModel.subarray(0, 6), true)).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.boolean(), (bytes, complete) => {
        expect(probeOnnx(bytes, complete)).toBe(false);
        expect(classifyTfProto(bytes, complete)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
