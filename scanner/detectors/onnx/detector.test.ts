import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../pipeline.js';
import { b, m, onnx, s, v } from '../../testkit/protobuf-builder.js';
import { locationEscape } from './external-data.js';

const ids = (r: { findings: { ruleId: string }[] }) => r.findings.map((f) => f.ruleId);
const benign = onnx.model(
  onnx.graph(
    onnx.node('Gemm'),
    onnx.node('Relu', 'ai.onnx'),
    onnx.tensor('w', [4, 3], 48),
    onnx.tensor('b', [3], 12),
  ),
);

describe('onnxDetector', () => {
  it.each([1, 7, 64 * 1024])('keeps a standard model clean (chunks of %i bytes)', async (chunk) => {
    const r = await scanBytes(benign, 'm.onnx', {}, chunk);
    expect(r.format).toBe('onnx');
    expect(r.verdict).toBe('clean');
    expect(r.coverage.issues).toEqual([]);
    expect(r.coverage.scanned[0]!.detail).toContain('2 nodes');
  });

  it.each(['../../etc/passwd', '/etc/passwd', 'C:\\Windows\\win.ini', 'weights/../../../x', '..\\..\\x'])(
    'flags external_data location %s as traversal (CVE-2022-25882, CVE-2024-27318)',
    async (location) => {
      const r = await scanBytes(
        onnx.model(onnx.graph(onnx.node('Relu'), onnx.externalTensor('w', location))),
        'm.onnx',
        {},
        7,
      );
      expect(r.verdict).toBe('malicious');
      expect(ids(r)).toEqual(['ONNX-EXTERNAL-DATA-TRAVERSAL']);
      expect(JSON.stringify(r.findings)).not.toContain('passwd');
    },
  );

  it('notes in-folder external data and checks tensors inside subgraphs and local functions', async () => {
    const r = await scanBytes(
      onnx.model(onnx.graph(onnx.node('Relu'), onnx.externalTensor('w', 'weights/model.bin'))),
      'm.onnx',
    );
    expect(ids(r)).toEqual(['ONNX-EXTERNAL-DATA']);
    expect(r.verdict).toBe('clean');
    const sub = onnx.node('If', '', m(5, s(1, 'then_branch'), m(6, onnx.externalTensor('t', '/etc/shadow'))));
    expect(ids(await scanBytes(onnx.model(onnx.graph(sub)), 'm.onnx'))).toEqual([
      'ONNX-EXTERNAL-DATA-TRAVERSAL',
    ]);
  });

  it('grades custom domains as medium unless allowed or defined by a local function', async () => {
    const custom = onnx.model(onnx.graph(onnx.node('MyOp', 'com.acme')));
    const r = await scanBytes(custom, 'm.onnx');
    expect(r.verdict).toBe('suspicious');
    expect(r.findings[0]!.callable).toBe('com.acme:MyOp');
    expect(
      (await scanBytes(custom, 'm.onnx', { extensions: { ...noExt(), allowOnnxDomains: ['com.acme'] } }))
        .verdict,
    ).toBe('clean');
    const local = onnx.model(
      onnx.graph(onnx.node('MyOp', 'com.acme')),
      onnx.function('com.acme', 'MyOp', onnx.node('Relu')),
    );
    expect((await scanBytes(local, 'm.onnx')).verdict).toBe('clean');
  });

  it('flags Python-backed ops in any domain', async () => {
    const r = await scanBytes(onnx.model(onnx.graph(onnx.node('PyOp', 'ai.onnx.contrib'))), 'm.onnx');
    expect(ids(r)).toEqual(['ONNX-PYTHON-OP', 'ONNX-CUSTOM-DOMAIN']);
    expect(r.verdict).toBe('malicious');
  });

  it('reports a raw_data size that does not match dims and type, and truncation', async () => {
    const bad = onnx.model(onnx.graph(onnx.node('Relu'), onnx.tensor('w', [4, 3], 40)));
    const r = await scanBytes(bad, 'm.onnx');
    expect(r.verdict).toBe('inconclusive');
    expect(r.coverage.issues[0]!.message).toContain('raw_data has 40 bytes');
    const cut = await scanBytes(benign.subarray(0, benign.length - 5), 'm.onnx');
    expect(cut.verdict).toBe('inconclusive');
  });

  it('keeps findings made before a parse error', async () => {
    const evil = onnx.model(
      onnx.graph(onnx.externalTensor('w', '/etc/passwd'), m(1, b(4, new Uint8Array(3)), v(99, 1))),
    );
    const r = await scanBytes(evil.subarray(0, evil.length - 12), 'm.onnx');
    expect(r.verdict).toBe('malicious');
  });

  it('never crashes on mutated models', async () => {
    const evil = onnx.model(
      onnx.graph(onnx.node('Relu'), onnx.externalTensor('w', '../x'), onnx.tensor('b', [3], 12)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(evil.length - 1), fc.nat(255)), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 64 }),
        async (edits, chunk) => {
          const mutated = evil.slice();
          for (const [at, value] of edits) mutated[at] = value;
          const r = await scanBytes(mutated, 'm.onnx', {}, chunk);
          expect(r.coverage.issues.filter((i) => i.code === 'INTERNAL_ERROR')).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('locationEscape', () => {
  it('accepts plain relative names only', () => {
    expect(locationEscape('model.onnx.data')).toBeUndefined();
    expect(locationEscape('sub/dir/w.bin')).toBeUndefined();
    expect(locationEscape('a..b')).toBeUndefined();
    for (const bad of [
      '',
      '/x',
      '\\\\server\\share',
      'D:x',
      '~/.ssh/id_rsa',
      'file:///etc/passwd',
      'a/../../b',
      'x\0y',
    ]) {
      expect(locationEscape(bad)).toBeDefined();
    }
  });
});

function noExt() {
  return {
    allowGlobals: [],
    denyGlobals: [],
    allowKerasModules: [],
    denyKerasModules: [],
    allowTfOps: [],
    denyTfOps: [],
    allowOnnxDomains: [],
  };
}

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus', 'files');
describe.skipIf(!existsSync(CORPUS))('onnxDetector on the shared corpus', () => {
  it.each([
    ['benign/gemm_relu.onnx', 'clean'],
    ['malicious/onnx_external_data_traversal.onnx', 'malicious'],
  ])('%s is %s', async (file, verdict) => {
    const r = await scanBytes(new Uint8Array(readFileSync(join(CORPUS, file))), file, {}, 3);
    expect(r.format).toBe('onnx');
    expect(r.verdict).toBe(verdict);
  });
});
