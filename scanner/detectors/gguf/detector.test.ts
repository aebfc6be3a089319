import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../pipeline.js';
import { buildGguf, type GgufSpec } from '../../testkit/gguf-builder.js';

const CHUNKS = [1, 7, 65536];
const codes = (r: { coverage: { issues: { code: string }[] } }) => r.coverage.issues.map((i) => i.code);

async function scanAll(bytes: Uint8Array) {
  const results = await Promise.all(CHUNKS.map((c) => scanBytes(bytes, 'm.gguf', {}, c)));
  for (const r of results.slice(1)) {
    expect(r.verdict).toBe(results[0]!.verdict);
    expect(r.findings.map((f) => f.ruleId)).toEqual(results[0]!.findings.map((f) => f.ruleId));
    expect(codes(r)).toEqual(codes(results[0]!));
  }
  return results[0]!;
}

const TEMPLATE =
  "{% for m in messages %}{{ '<|' + m['role'] + '|>\\n' + m['content'] + eos_token }}{% endfor %}";
const base = (extra: Partial<GgufSpec> = {}): GgufSpec => ({
  kvs: [
    ['general.architecture', { t: 'str', v: 'llama' }],
    ['general.alignment', { t: 'u32', v: 32 }],
    ['llama.block_count', { t: 'u32', v: 1 }],
    ['tokenizer.ggml.tokens', { t: 'arr', elem: 'str', v: ['<s>', '</s>', 'hello'] }],
    ['tokenizer.ggml.token_type', { t: 'arr', elem: 'u32', v: [3, 3, 1] }],
    ['tokenizer.chat_template', { t: 'str', v: TEMPLATE }],
  ],
  tensors: [
    { name: 'token_embd.weight', dims: [4, 3] },
    { name: 'output_norm.weight', dims: [5] },
  ],
  ...extra,
});

describe('gguf detector', () => {
  it.each([1, 2, 3])('reads a valid v%i file as clean at every chunk size', async (version) => {
    const r = await scanAll(buildGguf(base({ version })));
    expect(r.format).toBe('gguf');
    expect(r.verdict).toBe('clean');
    expect(r.coverage.scanned[0]!.detail).toMatch(
      new RegExp(`gguf v${version}: 6 keys, 2 tensors, 1 chat templates`),
    );
  });

  it('reads big-endian v3 files', async () => {
    const r = await scanAll(buildGguf(base({ bigEndian: true })));
    expect(r.verdict).toBe('clean');
    expect(r.coverage.scanned[0]!.detail).toMatch(/big-endian/);
  });

  it('flags a chat-template SSTI (item 49) and named templates', async () => {
    const ssti = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
    const r = await scanAll(
      buildGguf(base({ kvs: [['tokenizer.chat_template.tool_use', { t: 'str', v: ssti }]] })),
    );
    expect(r.verdict).toBe('malicious');
    expect(r.findings.map((f) => f.ruleId)).toContain('JINJA-SSTI-DUNDER');
    expect(r.findings[0]!.message).toMatch(/tokenizer\.chat_template\.tool_use/);
    expect(r.findings[0]!.references).toContain('CVE-2024-34359');
    const obf = "{{ x|attr('\\x5f\\x5fglobals\\x5f\\x5f') }}";
    expect(
      (await scanAll(buildGguf(base({ kvs: [['tokenizer.chat_template', { t: 'str', v: obf }]] })))).verdict,
    ).toBe('malicious');
  });

  it('makes a template that does not parse inconclusive', async () => {
    const r = await scanAll(
      buildGguf(base({ kvs: [['tokenizer.chat_template', { t: 'str', v: '{% for x in %}' }]] })),
    );
    expect(r.verdict).toBe('inconclusive');
    expect(codes(r)).toEqual(['PARSE_ERROR']);
  });

  it('rejects huge kv/tensor counts and array lengths without allocating (item 49)', async () => {
    const huge = await scanAll(buildGguf({ tensorCount: 1n << 60n, kvCount: 1n << 60n, truncate: 56 }));
    expect(codes(huge)).toEqual(['PARSE_ERROR']);
    const kv = await scanAll(buildGguf({ kvCount: 5000n }));
    expect(huge.verdict).toBe('inconclusive');
    expect(kv.verdict).toBe('inconclusive');
    const arr = buildGguf({
      kvs: [
        ['a', { t: 'raw', type: 9, bytes: [8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f] }],
      ],
    });
    const r = await scanBytes(arr, 'a', { limits: { maxHeaderBytes: 1 << 20 } }, 7);
    expect(r.verdict).toBe('inconclusive');
    expect(codes(r)).toEqual(['PARSE_ERROR']);
    const str = buildGguf({
      kvs: [['a', { t: 'raw', type: 8, bytes: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f] }]],
    });
    expect(codes(await scanBytes(str, 's', { limits: { maxHeaderBytes: 1 << 20 } }))).toEqual([
      'LIMIT_HEADER',
    ]);
  });

  it('rejects bad alignment, bad types, nested arrays, duplicate keys and names', async () => {
    const bad: GgufSpec[] = [
      base({ alignment: 32, kvs: [['general.alignment', { t: 'u32', v: 24 }]] }),
      base({ kvs: [['general.alignment', { t: 'u32', v: 0 }]] }),
      base({ kvs: [['general.alignment', { t: 'u32', v: 1 << 30 }]] }),
      base({ kvs: [['x', { t: 'raw', type: 13, bytes: [] }]] }),
      base({ kvs: [['x', { t: 'raw', type: 9, bytes: [9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0] }]] }),
      base({
        kvs: [
          ['k', { t: 'u32', v: 1 }],
          ['k', { t: 'u32', v: 2 }],
        ],
      }),
      base({
        tensors: [
          { name: 't', dims: [2] },
          { name: 't', dims: [2] },
        ],
      }),
      base({ tensors: [{ name: 't', dims: [2], type: 77 }] }),
      base({ tensors: [{ name: 't', dims: [1, 1, 1, 1, 1] }] }),
      base({ tensors: [{ name: 't', dims: [30], type: 2 }] }),
    ];
    for (const spec of bad) {
      const r = await scanAll(buildGguf(spec));
      expect(r.verdict).toBe('inconclusive');
      expect(codes(r)).toEqual(['PARSE_ERROR']);
    }
  });

  it('rejects tensor offsets that overlap, leave gaps or overflow (item 49)', async () => {
    const cases: GgufSpec[] = [
      base({
        tensors: [
          { name: 'a', dims: [16] },
          { name: 'b', dims: [4], offset: 32n },
        ],
      }),
      base({
        tensors: [
          { name: 'a', dims: [4] },
          { name: 'b', dims: [4], offset: 4096n },
        ],
      }),
      base({ tensors: [{ name: 'a', dims: [4], offset: 1n << 62n }] }),
    ];
    for (const spec of cases) expect(codes(await scanAll(buildGguf(spec)))).toEqual(['PARSE_ERROR']);
    const overflow = buildGguf({ tensors: [{ name: 'a', dims: [2 ** 31, 2 ** 31] }], version: 3 });
    const bigDims = overflow.slice();
    expect((await scanAll(bigDims)).verdict).toBe('inconclusive');
  });

  it('reports truncated tensor data and truncated headers', async () => {
    const full = buildGguf(base());
    expect(codes(await scanAll(full.slice(0, full.length - 20)))).toEqual(['TRUNCATED']);
    expect(codes(await scanAll(full.slice(0, 40)))).toEqual(['TRUNCATED']);
  });

  it('reports trailing bytes after the data and scans them as a member', async () => {
    const r = await scanAll(buildGguf(base({ trailing: new TextEncoder().encode('{"a": 1}') })));
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['GGUF-TRAILING-DATA', 'medium']]);
    expect(r.coverage.scanned.find((e) => e.member === '<trailing>')?.format).toBe('json');
    expect(r.verdict).toBe('suspicious');
  });

  it('never crashes or hangs on random or mutated input', async () => {
    const good = buildGguf(base());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(good.length),
        fc.constantFrom(1, 7, 64),
        async (edits, cut, chunk) => {
          const bytes = good.slice(0, cut);
          for (const [i, v] of edits) if (i < bytes.length) bytes[i] = v;
          const r = await scanBytes(bytes, 'm', { limits: { maxHeaderBytes: 1 << 20 } }, chunk);
          expect(codes(r)).not.toContain('INTERNAL_ERROR');
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (tail) => {
        const bytes = Uint8Array.from([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0, ...tail]);
        const r = await scanBytes(bytes, 'r', { limits: { maxHeaderBytes: 1 << 20 } }, 5);
        expect(codes(r)).not.toContain('INTERNAL_ERROR');
      }),
      { numRuns: 150 },
    );
  });
});

const CORPUS = '../shared/corpus/files';
describe.runIf(existsSync(CORPUS))('gguf corpus', () => {
  it.each([
    ['benign/tiny_llama.gguf', 'clean'],
    ['malicious/gguf_chat_template_ssti.gguf', 'malicious'],
    ['malformed/gguf_huge_counts.gguf', 'inconclusive'],
  ])('%s is %s', async (path, verdict) => {
    expect((await scanBytes(readFileSync(`${CORPUS}/${path}`), path)).verdict).toBe(verdict);
  });
});
