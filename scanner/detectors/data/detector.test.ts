import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../pipeline.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const codes = (r: { coverage: { issues: { code: string }[] } }) => r.coverage.issues.map((i) => i.code);
const scan = (s: string | Uint8Array, chunk = 65536) =>
  scanBytes(typeof s === 'string' ? enc(s) : s, 'f', {}, chunk);

describe('data detector', () => {
  it('keeps plain text, images and ordinary JSON clean', async () => {
    expect((await scan('hello world\n')).verdict).toBe('clean');
    expect(
      (await scan(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).verdict,
    ).toBe('clean');
    const r = await scan('{"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 8}', 3);
    expect(r.verdict).toBe('clean');
    expect(r.coverage.scanned[0]!.detail).toMatch(/checked as hf-config/);
  });

  it('reports an empty top-level file as EMPTY_FILE', async () => {
    const r = await scan(new Uint8Array(0));
    expect(codes(r)).toEqual(['EMPTY_FILE']);
  });

  it('reports HF auto_map custom code as suspicious, naming module.Class references', async () => {
    const config = {
      model_type: 'custom',
      auto_map: {
        AutoConfig: 'configuration_x.XConfig',
        AutoModel: 'other/repo--modeling_x.XModel',
        AutoTokenizer: ['tokenization_x.XTok', null],
      },
    };
    for (const chunk of [1, 7, 65536]) {
      const r = await scan(JSON.stringify(config), chunk);
      expect(r.verdict).toBe('suspicious');
      expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['HF-AUTO-MAP', 'medium']]);
      expect(r.findings[0]!.message).toMatch(/modeling_x\.XModel/);
      expect(r.findings[0]!.message).toMatch(/another repository/);
    }
    const pipes = await scan(
      JSON.stringify({ custom_pipelines: { 'text-classification': { impl: 'pipe.MyPipe' } } }),
    );
    expect(pipes.findings.map((f) => f.ruleId)).toEqual(['HF-CUSTOM-PIPELINE']);
  });

  it('checks tokenizer_config.json chat templates (string and named list)', async () => {
    const ok = await scan(
      JSON.stringify({
        chat_template: "{% for m in messages %}{{ m['content'] }}{% endfor %}",
        tokenizer_class: 'X',
      }),
    );
    expect(ok.verdict).toBe('clean');
    const bad = await scan(
      JSON.stringify({
        chat_template: [
          { name: 'default', template: '{{ x }}' },
          { name: 'tool_use', template: "{{ lipsum.__globals__['os'].popen('id').read() }}" },
        ],
      }),
    );
    expect(bad.verdict).toBe('malicious');
    expect(bad.findings[0]!.message).toMatch(/chat_template "tool_use"/);
    const broken = await scan(JSON.stringify({ chat_template: '{% if %}' }));
    expect(broken.verdict).toBe('inconclusive');
  });

  it('fails closed on unparseable JSON that names checked keys, and treats other non-JSON as text', async () => {
    const nan = await scan('{"auto_map": {"AutoModel": "m.M"}, "x": NaN}');
    expect(nan.verdict).toBe('inconclusive');
    const jsonl = await scan('{"a": 1}\n{"a": 2}\n');
    expect(jsonl.verdict).toBe('clean');
    expect(jsonl.format).toBe('text');
  });

  it('counts JSON over the size bound as data without parsing it', async () => {
    const big = `{"auto_map": {"AutoModel": "m.M"}, "pad": "${'x'.repeat(2048)}"}`;
    const r = await scanBytes(enc(big), 'big', { limits: { maxHeaderBytes: 1024 } }, 512);
    expect(r.findings).toEqual([]);
    expect(r.coverage.scanned[0]!.detail).toMatch(/not parsed/);
  });

  it('names Python source in coverage, and not ordinary prose', async () => {
    const py =
      'import torch\nfrom transformers import PreTrainedModel\n\nclass XModel(PreTrainedModel):\n    pass\n';
    const r = await scan(py, 5);
    expect(r.format).toBe('python');
    expect(r.verdict).toBe('clean');
    expect(
      (await scan('This model was trained with care.\nImport the weights and define a class of inputs.\n'))
        .format,
    ).toBe('text');
  });

  it('never crashes on random text or JSON-ish input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 3 }), fc.constantFrom(1, 7, 64), async (j, chunk) => {
        const r = await scan(`{"chat_template": ${JSON.stringify(String(j))}, "auto_map": ${j}}`, chunk);
        expect(codes(r)).not.toContain('INTERNAL_ERROR');
      }),
      { numRuns: 100 },
    );
  });
});

const REPO = '../shared/corpus/files/benign/hf_repo';
describe.runIf(existsSync(REPO))('hf_repo corpus', () => {
  it.each(['config.json', 'tokenizer.json', 'model.safetensors'])('%s is clean', async (name) => {
    expect((await scanBytes(readFileSync(`${REPO}/${name}`), name)).verdict).toBe('clean');
  });
});

describe('oversized JSON', () => {
  it('is inconclusive when its readable part names keys a check reads, plain data otherwise', async () => {
    const { scanBytes } = await import('../../pipeline.js');
    const pad = 'x'.repeat(2048);
    const keras = new TextEncoder().encode(
      `{"class_name": "Functional", "config": {"layers": [${Array(64).fill(`"${pad}"`).join(',')}]}}`,
    );
    const plain = new TextEncoder().encode(`{"vocab": [${Array(64).fill(`"${pad}"`).join(',')}]}`);
    const limits = { maxHeaderBytes: 64 * 1024 };
    const k = await scanBytes(keras, 'config.json', { limits });
    expect(k.verdict).toBe('inconclusive');
    expect(k.coverage.issues[0]?.code).toBe('LIMIT_HEADER');
    const p = await scanBytes(plain, 'vocab.json', { limits });
    expect(p.verdict).toBe('clean');
  });
});
