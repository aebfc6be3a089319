import { readFileSync, existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../pipeline.js';
import { buildSafetensors, type StTensor } from '../../testkit/safetensors-builder.js';
import { findDuplicateKey } from './duplicate-keys.js';

const CHUNKS = [1, 7, 65536];
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function scanAll(bytes: Uint8Array) {
  const results = await Promise.all(CHUNKS.map((c) => scanBytes(bytes, 'x.safetensors', {}, c)));
  for (const r of results.slice(1)) {
    expect(r.verdict).toBe(results[0]!.verdict);
    expect(r.findings.map((f) => f.ruleId)).toEqual(results[0]!.findings.map((f) => f.ruleId));
  }
  return results[0]!;
}

const codes = (r: { coverage: { issues: { code: string }[] } }) => r.coverage.issues.map((i) => i.code);

describe('safetensors detector', () => {
  it('passes a valid file with ordinary metadata as clean, at every chunk size', async () => {
    const bytes = buildSafetensors(
      {
        'linear.weight': { dtype: 'F32', shape: [2, 3] },
        'linear.bias': { dtype: 'F16', shape: [4] },
        empty: { dtype: 'F32', shape: [0, 5] },
      },
      { metadata: { format: 'pt' } },
    );
    const r = await scanAll(bytes);
    expect(r.format).toBe('safetensors');
    expect(r.verdict).toBe('clean');
    expect(r.findings).toEqual([]);
    expect(r.coverage.scanned[0]!.detail).toMatch(/3 tensors/);
  });

  it('rejects a header length above 100 MB or beyond the file (item 50)', async () => {
    const huge = buildSafetensors({ w: { dtype: 'F32', shape: [1] } }, { headerLength: 1n << 40n });
    const r1 = await scanAll(huge);
    expect(r1.verdict).toBe('inconclusive');
    expect(codes(r1)).toEqual(['PARSE_ERROR']);
    const past = buildSafetensors({ w: { dtype: 'F32', shape: [1] } }, { headerLength: 5000n });
    const r2 = await scanAll(past);
    expect(r2.verdict).toBe('inconclusive');
    expect(r2.coverage.issues[0]!.message).toMatch(/exceeds the file/);
  });

  it('rejects a header that is not a JSON object starting with "{"', async () => {
    for (const raw of ['{"a":1', '{"a": {"dtype":"F32","shape":[1],"data_offsets":[0,4]}} x', '{}  ["x"]']) {
      const r = await scanAll(buildSafetensors({}, { rawHeader: raw, data: new Uint8Array(4) }));
      expect(r.verdict).toBe('inconclusive');
      expect(codes(r)).toContain('PARSE_ERROR');
    }
    const bad = buildSafetensors({}, { rawHeader: ' {"__metadata__":{}}' });
    expect((await scanAll(bad)).verdict).toBe('inconclusive');
  });

  it('rejects duplicate keys, also when spelled with escapes (parser differential)', async () => {
    const raw =
      '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\\u0077":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    const r = await scanAll(buildSafetensors({}, { rawHeader: raw, data: new Uint8Array(4) }));
    expect(r.verdict).toBe('inconclusive');
    expect(r.coverage.issues[0]!.message).toMatch(/duplicate key "w"/);
    expect(findDuplicateKey('{"a":{"x":1,"x":2}}')).toBe('x');
    expect(findDuplicateKey('{"a":[{"x":1},{"x":2}],"b":"a"}')).toBeUndefined();
  });

  it('rejects overlapping, gapped, out-of-buffer and mis-sized data_offsets (item 50)', async () => {
    const cases: Record<string, StTensor>[] = [
      {
        a: { dtype: 'F32', shape: [4], offsets: [0, 16] as [number, number] },
        b: { dtype: 'F32', shape: [4], offsets: [8, 24] as [number, number] },
      },
      {
        a: { dtype: 'F32', shape: [1], offsets: [0, 4] as [number, number] },
        b: { dtype: 'F32', shape: [1], offsets: [8, 12] as [number, number] },
      },
      { a: { dtype: 'F32', shape: [1], offsets: [4, 8] as [number, number] } },
      { a: { dtype: 'F32', shape: [3], offsets: [0, 8] as [number, number] } },
      { a: { dtype: 'Q9', shape: [1], offsets: [0, 1] as [number, number] } },
      { a: { dtype: 'F32', shape: [-1], offsets: [0, 4] as [number, number] } },
    ];
    for (const tensors of cases) {
      const r = await scanAll(buildSafetensors(tensors));
      expect(r.verdict).toBe('inconclusive');
      expect(codes(r)).toEqual(['PARSE_ERROR']);
    }
    // data_offsets pointing past the end of the file
    const short = buildSafetensors({ a: { dtype: 'F32', shape: [4] } }, { data: new Uint8Array(8) });
    const r = await scanAll(short);
    expect(codes(r)).toEqual(['TRUNCATED']);
  });

  it('rejects non-string __metadata__ values', async () => {
    const r = await scanAll(buildSafetensors({ a: { dtype: 'U8', shape: [1] } }, { metadata: { n: 1 } }));
    expect(r.verdict).toBe('inconclusive');
  });

  it('notes code (medium) and URLs (low) in __metadata__ by key, never by value', async () => {
    const r = await scanAll(
      buildSafetensors(
        { a: { dtype: 'U8', shape: [1] } },
        { metadata: { run: "__import__('os').system('id')", src: 'https://example.com/x', format: 'pt' } },
      ),
    );
    expect(r.verdict).toBe('suspicious');
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['SAFETENSORS-METADATA-CODE', 'medium'],
      ['SAFETENSORS-METADATA-URL', 'low'],
    ]);
    expect(JSON.stringify(r.findings)).not.toMatch(/system\('id'\)|example\.com/);
    const benign = {
      format: 'pt',
      lr: '0.0001',
      ss_network_module: 'networks.lora',
      note: 'trained on 8 GPUs; import from hub',
      'modelspec.title': 'My model',
    };
    const clean = await scanAll(buildSafetensors({ a: { dtype: 'U8', shape: [1] } }, { metadata: benign }));
    expect(clean.findings).toEqual([]);
  });

  it('reports trailing bytes as a polyglot carrier and scans them as a member', async () => {
    const pickle = Uint8Array.from([0x80, 0x02, 0x4e, 0x2e]); // PROTO 2, NONE, STOP
    const r = await scanAll(buildSafetensors({ a: { dtype: 'F32', shape: [2] } }, { trailing: pickle }));
    expect(r.findings.map((f) => f.ruleId)).toEqual(['SAFETENSORS-TRAILING-DATA']);
    expect(r.findings[0]!.location.offset).toBeGreaterThan(8);
    const member = [...r.coverage.scanned, ...r.coverage.issues].find((e) => e.member === '<trailing>');
    expect(member).toBeDefined();
    expect(r.verdict).not.toBe('clean');
  });

  it('never crashes or hangs on random or mutated input', async () => {
    const base = buildSafetensors(
      { a: { dtype: 'F32', shape: [2, 2] }, b: { dtype: 'I64', shape: [1] } },
      { metadata: { format: 'pt' } },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(base.length),
        fc.constantFrom(1, 7, 64),
        async (edits, cut, chunk) => {
          const bytes = base.slice(0, cut);
          for (const [i, v] of edits) if (i < bytes.length) bytes[i] = v;
          const r = await scanBytes(bytes, 'm', {}, chunk);
          expect(codes(r)).not.toContain('INTERNAL_ERROR');
          expect(['clean', 'suspicious', 'inconclusive', 'malicious']).toContain(r.verdict);
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (tail) => {
        const bytes = new Uint8Array([...new Uint8Array(8), ...enc('{"'), ...tail]);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(tail.length + 2), true);
        const r = await scanBytes(bytes, 'r', {}, 7);
        expect(codes(r)).not.toContain('INTERNAL_ERROR');
      }),
      { numRuns: 100 },
    );
  });
});

const CORPUS = '../shared/corpus/files';
describe.runIf(existsSync(CORPUS))('safetensors corpus', () => {
  it.each([
    ['benign/model.safetensors', 'clean'],
    ['benign/hf_repo/model.safetensors', 'clean'],
    ['malformed/st_header_len_too_big.safetensors', 'inconclusive'],
    ['malformed/st_overlapping_offsets.safetensors', 'inconclusive'],
  ])('%s is %s', async (path, verdict) => {
    const r = await scanBytes(readFileSync(`${CORPUS}/${path}`), path);
    expect(r.verdict).toBe(verdict);
  });
});
