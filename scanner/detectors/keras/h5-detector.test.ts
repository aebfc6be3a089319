import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../pipeline.js';
import { writeHdf5 } from '../../testkit/hdf5-builder.js';
import { kerasBase64, marshalCode } from '../../testkit/marshal-builder.js';
import { readRootAttributes } from './h5-attrs.js';

const modelConfig = (layers: unknown[]) =>
  JSON.stringify({ class_name: 'Sequential', config: { name: 'seq', layers } });
const dense = { class_name: 'Dense', config: { units: 3 } };
const lambda = (names: string[], consts: (string | null)[] = [null, 'os']) => ({
  class_name: 'Lambda',
  config: {
    function: [kerasBase64(marshalCode({ names, consts })), null, null],
    function_type: 'lambda',
    module: '__main__',
  },
});
const keras = (layers: unknown[]) => ({
  keras_version: '2.11.0',
  backend: 'tensorflow',
  model_config: modelConfig(layers),
  training_config: JSON.stringify({ loss: 'mse' }),
});

describe('readRootAttributes', () => {
  it.each(['earliest', 'latest'] as const)(
    'reads string attributes written with libver %s',
    async (libver) => {
      const bytes = await writeHdf5(keras([dense]), { libver });
      expect(bytes[8]).toBe(libver === 'earliest' ? 0 : 3); // superblock version
      const { attrs, unreadable } = readRootAttributes(bytes, 1 << 20);
      expect(unreadable).toEqual([]);
      expect(attrs.get('keras_version')).toBe('2.11.0');
      expect(JSON.parse(attrs.get('model_config')!)).toEqual(JSON.parse(modelConfig([dense])));
    },
  );
});

describe('kerasH5Detector', () => {
  it.each([1, 7, 65536])(
    'finds a Lambda calling os.system (chunks of %i bytes) and keeps benign files clean',
    async (chunk) => {
      const bad = await scanBytes(
        await writeHdf5(keras([dense, lambda(['__import__', 'system'])])),
        'bad.h5',
        {},
        chunk,
      );
      expect(bad.format).toBe('keras-h5');
      expect(bad.verdict).toBe('malicious');
      expect(bad.findings.map((f) => f.ruleId)).toEqual(['KERAS-LAMBDA-DANGEROUS-CODE']);
      const good = await scanBytes(
        await writeHdf5(keras([dense]), { libver: 'latest' }),
        'good.h5',
        {},
        chunk,
      );
      expect(good.verdict).toBe('clean');
      expect(good.coverage.issues).toEqual([]);
    },
  );

  it('grades an arithmetic Lambda as suspicious and treats plain HDF5 data as clean data', async () => {
    const r = await scanBytes(
      await writeHdf5(keras([lambda(['multiply'], [null, 2 as unknown as string])])),
      'x.h5',
    );
    expect(r.verdict).toBe('suspicious');
    const data = await scanBytes(await writeHdf5({ title: 'measurements' }), 'd.h5');
    expect(data.verdict).toBe('clean');
    expect(data.format).toBe('hdf5');
  });

  it('is inconclusive when the root attributes are cut off or malformed', async () => {
    const bytes = await writeHdf5(keras([dense]), { floats: 4096 });
    const cut = await scanBytes(bytes.subarray(0, 900), 'cut.h5');
    expect(cut.verdict).toBe('inconclusive');
    expect(cut.coverage.issues.map((i) => i.code)).toContain('TRUNCATED');
    const broken = bytes.slice();
    broken[8] = 9; // superblock version
    expect((await scanBytes(broken, 'b.h5')).coverage.issues.map((i) => i.code)).toEqual(['PARSE_ERROR']);
  });

  it('never crashes or hangs on mutated HDF5 bytes', async () => {
    const base = await writeHdf5(keras([dense, lambda(['system'])]));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(Math.min(base.length, 4096) - 1), fc.nat(255)), {
          minLength: 1,
          maxLength: 6,
        }),
        async (edits) => {
          const mutated = base.slice();
          for (const [at, value] of edits) mutated[at] = value;
          const r = await scanBytes(mutated, 'm.h5', {}, 4096);
          expect(r.coverage.issues.filter((i) => i.code === 'INTERNAL_ERROR')).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus', 'files');
describe.skipIf(!existsSync(CORPUS))('kerasH5Detector on the shared corpus', () => {
  it.each([
    ['benign/keras_dense.h5', 'clean'],
    ['malicious/keras_lambda_marshal.h5', 'malicious'],
    ['suspicious/keras_lambda_harmless_code.h5', 'suspicious'],
  ])('%s is %s', async (file, verdict) => {
    const r = await scanBytes(new Uint8Array(readFileSync(join(CORPUS, file))), file, {}, 7);
    expect(r.verdict).toBe(verdict);
    expect(r.format).toBe('keras-h5');
  });
});
