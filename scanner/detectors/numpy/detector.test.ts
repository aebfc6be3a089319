import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../pipeline.js';
import { buildNpy } from '../../testkit/npy-builder.js';
import { parseDescr } from './dtype.js';
import { parsePyLiteral } from './py-literal.js';

const CHUNKS = [1, 7, 65536];
const codes = (r: { coverage: { issues: { code: string }[] } }) => r.coverage.issues.map((i) => i.code);

async function scanAll(bytes: Uint8Array) {
  const results = await Promise.all(CHUNKS.map((c) => scanBytes(bytes, 'a.npy', {}, c)));
  for (const r of results.slice(1)) {
    expect(r.verdict).toBe(results[0]!.verdict);
    expect(codes(r)).toEqual(codes(results[0]!));
  }
  return results[0]!;
}

describe('npy detector', () => {
  it.each([1, 2, 3] as const)('reads a valid v%i.0 numeric array as clean', async (version) => {
    const r = await scanAll(buildNpy({ version }));
    expect(r.format).toBe('numpy-npy');
    expect(r.verdict).toBe('clean');
    expect(r.coverage.scanned[0]!.detail).toBe(`npy v${version}.0: <f4, shape (2, 3), 24 data bytes`);
  });

  it('reads structured, string and datetime dtypes and scalar shapes', async () => {
    const structured =
      "{'descr': [('a', '<i4'), (('t', 'b'), '<f8', (2, 2)), ('c', [('x', '|u1')])], 'fortran_order': True, 'shape': (3,), }";
    expect(
      (await scanAll(buildNpy({ header: structured, data: new Uint8Array(3 * (4 + 32 + 1)) }))).verdict,
    ).toBe('clean');
    expect((await scanAll(buildNpy({ descr: '<U5', shape: [2], data: new Uint8Array(40) }))).verdict).toBe(
      'clean',
    );
    expect((await scanAll(buildNpy({ descr: '<M8[ns]', shape: [], data: new Uint8Array(8) }))).verdict).toBe(
      'clean',
    );
  });

  it('rejects a header length beyond the file (corpus npy_bad_header)', async () => {
    const r = await scanAll(buildNpy({ headerLength: 60000 }).slice(0, 25));
    expect(r.verdict).toBe('inconclusive');
    expect(codes(r)).toEqual(['PARSE_ERROR']);
  });

  it('rejects headers that are not the exact literal dict numpy writes', async () => {
    const bad = [
      "{'descr': '<f4', 'fortran_order': False}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
      "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}",
      "{'descr': '<f3', 'fortran_order': False, 'shape': (2,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': __import__('os').system('id')}",
      "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
      '[1, 2]',
    ];
    for (const header of bad) {
      const r = await scanAll(buildNpy({ header }));
      expect(r.verdict).toBe('inconclusive');
      expect(codes(r)).toEqual(['PARSE_ERROR']);
    }
  });

  it('reports data shorter than shape x itemsize, and bytes after it as trailing data', async () => {
    expect(codes(await scanAll(buildNpy({ data: new Uint8Array(20) })))).toEqual(['TRUNCATED']);
    const r = await scanAll(
      buildNpy({ data: new Uint8Array([...new Uint8Array(24), 0x80, 0x02, 0x4e, 0x2e]) }),
    );
    expect(r.findings.map((f) => f.ruleId)).toEqual(['NUMPY-TRAILING-DATA']);
    expect([...r.coverage.scanned, ...r.coverage.issues].some((e) => e.member === '<trailing>')).toBe(true);
  });

  it('forwards an object array (item 16) to the pickle detector as <pickle>, unsniffed', async () => {
    const pickle = new TextEncoder().encode('cposix\nsystem\n(Vid\ntR.');
    const r = await scanAll(buildNpy({ descr: '|O', shape: [1], data: pickle }));
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toContainEqual(['NUMPY-OBJECT-ARRAY', 'info']);
    const member = [...r.coverage.scanned, ...r.coverage.issues].find((e) => e.member === '<pickle>');
    expect(member).toBeDefined();
    expect(r.verdict).not.toBe('clean');
    // an object field inside a structured dtype is a pickle too
    const structured = "{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }";
    const s = await scanAll(buildNpy({ header: structured, data: pickle }));
    expect(s.findings.map((f) => f.ruleId)).toContain('NUMPY-OBJECT-ARRAY');
  });

  it('parses Python literals strictly', () => {
    expect(parsePyLiteral("{'a': (1, 2L), 'b': [True, None, \"x\\x41\"]}")).toEqual(
      new Map<string, unknown>([
        ['a', { tuple: [1n, 2n] }],
        ['b', [true, null, 'xA']],
      ]),
    );
    for (const bad of [
      '{a: 1}',
      "{'a': 1.5}",
      "{'a': 1} x",
      "{'a': f(1)}",
      '('.repeat(100) + ')'.repeat(100),
    ]) {
      expect(() => parsePyLiteral(bad)).toThrow();
    }
    expect(parseDescr('|O')?.hasObject).toBe(true);
    expect(parseDescr('<i3')).toBeUndefined();
  });

  it('never crashes or hangs on random or mutated input', async () => {
    const good = buildNpy({ shape: [2] });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(good.length),
        fc.constantFrom(1, 7, 64),
        async (edits, cut, chunk) => {
          const bytes = good.slice(0, cut);
          for (const [i, v] of edits) if (i < bytes.length) bytes[i] = v;
          expect(codes(await scanBytes(bytes, 'm', {}, chunk))).not.toContain('INTERNAL_ERROR');
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 120 }), async (header) => {
        const r = await scanBytes(buildNpy({ header, data: new Uint8Array(8) }), 'h', {}, 7);
        expect(codes(r)).not.toContain('INTERNAL_ERROR');
      }),
      { numRuns: 150 },
    );
  });
});

const CORPUS = '../shared/corpus/files';
describe.runIf(existsSync(CORPUS))('npy corpus', () => {
  it('numeric.npy is clean and npy_bad_header.npy inconclusive', async () => {
    expect((await scanBytes(readFileSync(`${CORPUS}/benign/numeric.npy`), 'n')).verdict).toBe('clean');
    expect((await scanBytes(readFileSync(`${CORPUS}/malformed/npy_bad_header.npy`), 'b')).verdict).toBe(
      'inconclusive',
    );
  });
  it.each(['benign/object_array.npy', 'malicious/object_array_payload.npy'])(
    '%s hands its pickle to member <pickle>',
    async (path) => {
      const r = await scanBytes(readFileSync(`${CORPUS}/${path}`), path);
      expect(r.findings.map((f) => f.ruleId)).toContain('NUMPY-OBJECT-ARRAY');
      expect([...r.coverage.scanned, ...r.coverage.issues].some((e) => e.member === '<pickle>')).toBe(true);
    },
  );
});
