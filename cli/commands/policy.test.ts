import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../scanner/policy/load.js';
import { captureIO } from '../../test-support/capture-io.js';
import { run } from '../main.js';

function fixture(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cavra-policy-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const dir = fixture({
  'config.json': '{"model_type": "bert"}',
  'blob.bin': Buffer.from([0xff, 0x00, 0x13, 0x37, 0x42, 0x99, 0x10, 0x20]),
  'bad.yaml': 'version: 1\nid: bad\nactions:\n  medium: warn\n  hihg: block\n',
  'custom.yaml': 'version: 1\nid: custom\nextends: strict\nactions: {inconclusive: warn}\n',
});

describe('cavra-scan policy validate', () => {
  it('passes every bundled pack', async () => {
    const io = captureIO();
    expect(await run(['policy', 'validate', 'baseline', 'strict', 'permissive-research'], io)).toBe(0);
    expect(io.out).toMatch(
      /^ok baseline: baseline sha256:[0-9a-f]{64}\nok strict: strict sha256:[0-9a-f]{64} \(extends baseline\)\nok permissive-research: /,
    );
  });

  it('exits 3 naming file, line and field of an unknown key; still checks the other files', async () => {
    const io = captureIO();
    expect(await run(['policy', 'validate', join(dir, 'bad.yaml'), join(dir, 'custom.yaml')], io)).toBe(3);
    expect(io.err).toBe(
      `cavra-scan: error POLICY_INVALID: ${join(dir, 'bad.yaml')}:5:3: actions.hihg: unknown key 'hihg'\n`,
    );
    expect(io.out).toContain(`ok ${join(dir, 'custom.yaml')}: custom`);
  });
});

describe('cavra-scan policy show', () => {
  it('prints the resolved pack after extends with its hash', async () => {
    const io = captureIO();
    expect(await run(['policy', 'show', join(dir, 'custom.yaml')], io)).toBe(0);
    const p = loadPolicy(join(dir, 'custom.yaml'));
    expect(io.out).toContain(`# sha256 ${p.sha256}`);
    expect(io.out).toContain('resolved: custom <- strict <- baseline');
    expect(io.out).toMatch(
      /actions:\n {2}critical: block\n {2}high: block\n {2}medium: block\n {2}low: warn\n {2}info: allow\n {2}inconclusive: warn\n/,
    );
    expect(io.out).not.toContain('extends');
  });

  it('defaults to $CAVRA_SCAN_POLICY, else baseline', async () => {
    const io = captureIO({ CAVRA_SCAN_POLICY: 'permissive-research' });
    await run(['policy', 'show'], io);
    expect(io.out).toContain('# policy permissive-research');
    const io2 = captureIO();
    await run(['policy', 'show'], io2);
    expect(io2.out).toContain('# policy baseline');
  });
});

describe('cavra-scan policy explain', () => {
  it('allows a clean file (exit 0)', async () => {
    const io = captureIO();
    expect(await run(['policy', 'explain', join(dir, 'config.json')], io)).toBe(0);
    expect(io.out).toContain('decision ALLOW, risk score 0/100');
  });

  it('blocks an unreadable binary under baseline with exit 2 and explains the clause', async () => {
    const io = captureIO();
    expect(await run(['policy', 'explain', join(dir, 'blob.bin')], io)).toBe(2);
    expect(io.out).toContain('decision BLOCK, risk score 60/100 (inconclusive scan)');
    expect(io.out).toContain('clause: baseline: actions.inconclusive = block');
  });

  it('follows --policy and writes JSON lines with decision, risk_score and policy', async () => {
    const io = captureIO();
    expect(
      await run(
        ['policy', 'explain', '--policy', join(dir, 'custom.yaml'), '--json', join(dir, 'blob.bin')],
        io,
      ),
    ).toBe(0);
    const line = JSON.parse(io.out.trim());
    const p = loadPolicy(join(dir, 'custom.yaml'));
    expect(line).toMatchObject({
      path: join(dir, 'blob.bin'),
      decision: 'warn',
      risk_score: 60,
      policy: { id: 'custom', sha256: p.sha256, scope: null },
    });
    expect(line.reasons[0]).toMatchObject({
      kind: 'inconclusive',
      action: 'warn',
      clause: 'custom: actions.inconclusive = warn',
    });
  });

  it('applies scope options (strict production refuses an unsigned artifact)', async () => {
    const io = captureIO();
    expect(
      await run(['policy', 'explain', '-p', 'strict', '--stage', 'Production', join(dir, 'config.json')], io),
    ).toBe(1);
    expect(io.out).toContain('scope production');
    expect(io.out).toContain('block unsigned');
    expect(
      await run(
        ['policy', 'explain', '-p', 'strict', '--stage', 'Production', '--signed', join(dir, 'config.json')],
        captureIO(),
      ),
    ).toBe(0);
  });

  it('a bad policy exits 3 with file:line and scans nothing', async () => {
    const io = captureIO();
    expect(
      await run(['policy', 'explain', '--policy', join(dir, 'bad.yaml'), join(dir, 'config.json')], io),
    ).toBe(3);
    expect(io.out).toBe('');
    expect(io.err).toContain(`${join(dir, 'bad.yaml')}:5:3: actions.hihg`);
  });
});

describe('cavra-scan policy test', () => {
  const cases = (body: string): string =>
    fixture({
      'config.json': '{"a": 1}',
      'blob.bin': Buffer.from([0xff, 0x00, 0x13, 0x37]),
      'lab.yaml': 'version: 1\nid: lab\nextends: permissive-research\n',
      'cases.yaml': body,
    });

  it('runs artifact and synthetic cases and passes', async () => {
    const d = cases(`version: 1
policy: baseline
cases:
  - {name: clean json, artifact: config.json, expect: allow}
  - {name: unknown binary, artifact: blob.bin, expect: block, expect_exit: 2}
  - {name: lab warns, artifact: blob.bin, policy: lab.yaml, expect: warn, expect_exit: 0}
  - name: strict blocks suspicious
    policy: strict
    result: {format: pickle, findings: [{rule: PICKLE-UNKNOWN-GLOBAL, severity: medium}]}
    expect: block
  - name: strict production needs signatures
    policy: strict
    scope: {registry: mlflow, stage: production, signed: true}
    result: {format: safetensors}
    expect: allow
`);
    const io = captureIO();
    expect(await run(['policy', 'test', d], io)).toBe(0);
    expect(io.out).toContain('PASS unknown binary\n');
    expect(io.out).toContain(`5 passed, 0 failed (${join(d, 'cases.yaml')})`);
  });

  it('exits 1 and names the failing case', async () => {
    const d = cases(
      'version: 1\ncases:\n  - {name: wrong, result: {format: pickle, findings: [{rule: X-Y, severity: high}]}, expect: allow}\n',
    );
    const io = captureIO();
    expect(await run(['policy', 'test', d], io)).toBe(1);
    expect(io.out).toContain('FAIL wrong: expected allow, got block');
    expect(io.out).toContain('block X-Y: baseline: actions.high = block');
  });

  it('exits 3 on an invalid cases file or a bad policy, before scanning', async () => {
    const io = captureIO();
    expect(
      await run(
        ['policy', 'test', cases('version: 1\ncases:\n  - {name: x, artifact: a, expect: maybe}\n')],
        io,
      ),
    ).toBe(3);
    expect(io.err).toMatch(/cases\.yaml:3:\d+: cases\[0\]\.expect: must be one of: allow, warn, block/);
    const io2 = captureIO();
    expect(
      await run(
        [
          'policy',
          'test',
          cases(
            'version: 1\ncases:\n  - {name: x, artifact: config.json, policy: nope.yaml, expect: allow}\n',
          ),
        ],
        io2,
      ),
    ).toBe(3);
    expect(io2.err).toContain('policy not found');
    expect(io2.out).toBe('');
  });
});

describe('bundled pack self-test', () => {
  it('policies/tests/cases.yaml passes', async () => {
    const io = captureIO();
    expect(
      await run(['policy', 'test', join(import.meta.dirname, '..', '..', 'policies', 'tests')], io),
    ).toBe(0);
    expect(io.out).toMatch(/10 passed, 0 failed/);
  });
});

const corpusFile = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'shared',
  'corpus',
  'files',
  'suspicious',
  'unknown_class_newobj.pkl',
);

describe.skipIf(!existsSync(corpusFile))(
  'corpus: a custom allow turns warn into allow, strict blocks',
  () => {
    const acme = join(
      fixture({
        'acme.yaml':
          'version: 1\nid: acme\nextends: baseline\nallow:\n  globals: [acme_models.layers.CustomBlock]\n',
      }),
      'acme.yaml',
    );
    const explain = async (
      ...args: string[]
    ): Promise<[number, { decision: string; risk_score: number }]> => {
      const io = captureIO();
      const code = await run(['policy', 'explain', '--json', ...args, corpusFile], io);
      return [code, JSON.parse(io.out.trim())];
    };

    it('baseline warns (exit 0), the custom policy allows (exit 0), strict blocks (exit 1)', async () => {
      const [c1, base] = await explain();
      expect([c1, base.decision]).toEqual([0, 'warn']);
      const [c2, custom] = await explain('--policy', acme);
      expect([c2, custom.decision, custom.risk_score]).toEqual([0, 'allow', 0]);
      const [c3, strict] = await explain('--policy', 'strict');
      expect([c3, strict.decision]).toEqual([1, 'block']);
    });
  },
);
