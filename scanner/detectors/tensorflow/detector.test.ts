import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../pipeline.js';
import { NO_EXTENSIONS } from '../../rule-extensions.js';
import { kerasBase64, marshalCode } from '../../testkit/marshal-builder.js';
import { tf } from '../../testkit/protobuf-builder.js';

const ids = (r: { findings: { ruleId: string }[] }) => r.findings.map((f) => f.ruleId);
/** The saver graph every normal SavedModel carries. */
const saver = [
  'SaveV2',
  'RestoreV2',
  'MergeV2Checkpoints',
  'ShardedFilename',
  'StringJoin',
  'Const',
  'Identity',
].map((op, i) => tf.node(`saver/${i}`, op));
const normal = tf.savedModel(
  [tf.node('x', 'Placeholder'), tf.node('dense/MatMul', 'MatMul'), ...saver],
  [[tf.node('relu', 'Relu')]],
);

describe('savedModelDetector', () => {
  it.each([1, 7, 64 * 1024])(
    'keeps a normal SavedModel (with its saver graph) clean, chunks of %i',
    async (chunk) => {
      const r = await scanBytes(normal, 'saved_model.pb', {}, chunk);
      expect(r.format).toBe('tf-savedmodel');
      expect(r.verdict).toBe('clean');
      expect(r.findings).toEqual([]);
      expect(r.coverage.issues).toEqual([]);
      expect(r.coverage.scanned[0]!.detail).toContain('4 checkpoint ops');
    },
  );

  it('grades PyFunc-style ops critical and file ops high, in graph and function-library nodes', async () => {
    const r = await scanBytes(
      tf.savedModel(
        [tf.node('p', 'PyFunc'), ...saver],
        [[tf.node('r', 'ReadFile'), tf.node('w', 'WriteFile'), tf.node('e', 'EagerPyFunc')]],
      ),
      'saved_model.pb',
      {},
      7,
    );
    expect(r.verdict).toBe('malicious');
    expect(ids(r)).toEqual(['TF-PYTHON-OP', 'TF-FILE-READ-OP', 'TF-FILE-WRITE-OP', 'TF-PYTHON-OP']);
    expect(r.findings.map((f) => f.severity)).toEqual(['critical', 'high', 'high', 'critical']);
    expect(r.findings[1]!.evidence).toContain('FunctionDef');
  });

  it('flags namespaced custom ops as medium and applies policy allow/deny lists', async () => {
    const custom = tf.savedModel([tf.node('g', 'Addons>GatherTree')]);
    expect((await scanBytes(custom, 's.pb')).verdict).toBe('suspicious');
    const ext = { ...NO_EXTENSIONS, allowTfOps: ['ReadFile', 'Addons>GatherTree'], denyTfOps: ['MatMul'] };
    const r = await scanBytes(
      tf.savedModel([tf.node('r', 'ReadFile'), tf.node('g', 'Addons>GatherTree'), tf.node('m', 'MatMul')]),
      's.pb',
      { extensions: ext },
    );
    expect(ids(r)).toEqual(['TF-DENIED-OP']);
  });

  it('reads frozen GraphDefs', async () => {
    const r = await scanBytes(
      tf.graphDef([tf.node('x', 'Placeholder'), tf.node('w', 'WriteFile')]),
      'frozen.pb',
    );
    expect(ids(r)).toEqual(['TF-FILE-WRITE-OP']);
  });

  it('checks Keras layers in keras_metadata.pb with the shared Keras config check', async () => {
    const code = kerasBase64(marshalCode({ names: ['os', 'system'] }));
    const lambda = JSON.stringify({
      class_name: 'Lambda',
      name: 'lambda',
      config: { function: [code, null, null], function_type: 'lambda' },
    });
    const r = await scanBytes(
      tf.kerasMetadata('{"class_name": "Sequential", "config": {}}', lambda),
      'keras_metadata.pb',
      {},
      7,
    );
    expect(r.format).toBe('tf-savedmodel');
    expect(ids(r)).toEqual(['KERAS-LAMBDA-DANGEROUS-CODE']);
    const clean = await scanBytes(
      tf.kerasMetadata('{"class_name": "Dense", "config": {"units": 2}}'),
      'keras_metadata.pb',
    );
    expect(clean.verdict).toBe('clean');
  });

  it('is inconclusive when truncated, but keeps earlier findings', async () => {
    const bytes = tf.savedModel([tf.node('p', 'PyFunc'), ...saver]);
    const r = await scanBytes(bytes.subarray(0, bytes.length - 10), 's.pb');
    expect(r.verdict).toBe('malicious');
    expect(r.coverage.issues.map((i) => i.code)).toEqual(['TRUNCATED']);
    const clean = await scanBytes(normal.subarray(0, normal.length - 10), 's.pb');
    expect(clean.verdict).toBe('inconclusive');
  });

  it('never crashes on mutated SavedModels', async () => {
    const bytes = tf.savedModel([tf.node('p', 'PyFunc'), ...saver], [[tf.node('r', 'ReadFile')]]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.nat(255)), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 64 }),
        async (edits, chunk) => {
          const mutated = bytes.slice();
          for (const [at, value] of edits) mutated[at] = value;
          const r = await scanBytes(mutated, 's.pb', {}, chunk);
          expect(r.coverage.issues.filter((i) => i.code === 'INTERNAL_ERROR')).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
