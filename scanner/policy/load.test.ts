import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CavraError } from '../errors.js';
import { bundledPolicyNames, loadPolicy } from './load.js';
import { MAX_POLICY_BYTES, parseYamlText, validateAgainst } from './parse.js';

const catalog = new Map([
  ['PICKLE-UNKNOWN-GLOBAL', { id: 'PICKLE-UNKNOWN-GLOBAL' }],
  ['PICKLE-OS-EXEC', { id: 'PICKLE-OS-EXEC' }],
]);

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'cavra-policy-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

function loadError(ref: string): CavraError {
  try {
    loadPolicy(ref, { catalog });
  } catch (err) {
    expect(err).toBeInstanceOf(CavraError);
    expect((err as CavraError).code).toBe('POLICY_INVALID');
    return err as CavraError;
  }
  throw new Error('policy loaded but should not have');
}

describe('bundled packs', () => {
  it('lists the three packs', () => {
    expect(bundledPolicyNames()).toEqual(['baseline', 'strict', 'permissive-research']);
  });

  for (const name of ['baseline', 'strict', 'permissive-research']) {
    it(`${name} validates against policies/schema.json and resolves`, () => {
      const p = loadPolicy(name, { catalog: new Map() });
      expect(p.id).toBe(name);
      expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(p.source).toBe(`bundled:${name}`);
      expect(p.document).not.toHaveProperty('extends');
    });
  }

  it('strict resolves baseline underneath and overrides medium', () => {
    const p = loadPolicy('strict', { catalog: new Map() });
    expect(p.layers.map((l) => l.id)).toEqual(['strict', 'baseline']);
    expect(p.document.actions).toMatchObject({
      critical: 'block',
      high: 'block',
      medium: 'block',
      inconclusive: 'block',
    });
    expect(p.document.scopes?.map((s) => s.name)).toEqual(['production']);
  });

  it('the hash is stable and changes with the content', () => {
    const a = loadPolicy('baseline', { catalog: new Map() });
    expect(loadPolicy('baseline', { catalog: new Map() }).sha256).toBe(a.sha256);
    expect(loadPolicy('strict', { catalog: new Map() }).sha256).not.toBe(a.sha256);
  });
});

describe('extends', () => {
  it('overrides the parent key by key, replaces lists, and puts child scopes first', () => {
    const d = dir({
      'base.yaml':
        'version: 1\nid: base\nactions: {medium: warn, low: warn}\nallow: {globals: [a.b]}\nscopes:\n  - {name: prod, match: {stage: prod}, actions: {medium: block}}\n  - {name: dev, match: {stage: dev}}\n',
      'child.yaml':
        'version: 1\nid: child\nextends: ./base.yaml\nactions: {low: allow}\nallow: {globals: [c.d]}\nscopes:\n  - {name: dev, match: {stage: dev}, actions: {high: warn}}\n  - {name: team, match: {model: "team/*"}}\n',
    });
    const p = loadPolicy(join(d, 'child.yaml'), { catalog });
    expect(p.id).toBe('child');
    expect(p.document.actions).toEqual({ medium: 'warn', low: 'allow' });
    expect(p.document.allow).toEqual({ globals: ['c.d'] });
    expect(p.document.scopes?.map((s) => s.name)).toEqual(['dev', 'team', 'prod']);
    expect(p.document.scopes?.[0]?.actions).toEqual({ high: 'warn' });
  });

  it('extends a bundled pack by name', () => {
    const d = dir({
      'acme.yaml':
        'version: 1\nid: acme\nextends: baseline\nallow:\n  globals: [acme_models.layers.CustomBlock]\n',
    });
    const p = loadPolicy(join(d, 'acme.yaml'), { catalog });
    expect(p.layers.map((l) => l.source)).toEqual([join(d, 'acme.yaml'), 'bundled:baseline']);
    expect(p.document.actions?.inconclusive).toBe('block');
  });

  it('rejects a cycle', () => {
    const d = dir({
      'a.yaml': 'version: 1\nid: a\nextends: ./b.yaml\n',
      'b.yaml': 'version: 1\nid: b\nextends: ./a.yaml\n',
    });
    const e = loadError(join(d, 'a.yaml'));
    expect(e.message).toContain('extends cycle');
    expect(e.message).toMatch(/b\.yaml:3:\d+: extends:/);
  });

  it('rejects a missing parent', () => {
    const d = dir({ 'a.yaml': 'version: 1\nid: a\nextends: ./nope.yaml\n' });
    expect(loadError(join(d, 'a.yaml')).message).toContain('policy not found');
  });
});

describe('validation errors name file, line and field', () => {
  const cases: [string, string, RegExp][] = [
    [
      'unknown top-level key',
      'version: 1\nid: x\nblock_everything: true\n',
      /:3:1: block_everything: unknown key/,
    ],
    [
      'unknown nested key',
      'version: 1\nid: x\nscopes:\n  - name: p\n    match: {stage: prod}\n    actoins: {}\n',
      /:6:5: scopes\[0\]\.actoins: unknown key/,
    ],
    [
      'bad action',
      'version: 1\nid: x\nactions:\n  high: deny\n',
      /:4:9: actions\.high: must be one of: allow, warn, block/,
    ],
    [
      'inconclusive may not be allowed',
      'version: 1\nid: x\nactions: {inconclusive: allow}\n',
      /actions\.inconclusive: must be one of: warn, block/,
    ],
    [
      'bad severity',
      'version: 1\nid: x\nseverity_overrides:\n  PICKLE-OS-EXEC: huge\n',
      /:4:19: severity_overrides\.PICKLE-OS-EXEC/,
    ],
    ['bad glob name', 'version: 1\nid: x\nallow:\n  globals: ["*"]\n', /:4:13: allow\.globals\[0\]/],
    ['missing id', 'version: 1\n', /:1:1: \(document\): must have required property 'id'/],
    [
      'waiver without target',
      'version: 1\nid: x\nwaivers:\n  - {rule: PICKLE-OS-EXEC, owner: a, reason: b, expires: 2030-01-01}\n',
      /:4:5: waivers\[0\]/,
    ],
    [
      'unknown format',
      'version: 1\nid: x\nrequire_formats: [safetensors, exe]\n',
      /:3:32: require_formats\[1\]/,
    ],
    ['duplicate key', 'version: 1\nid: x\nid: y\n', /:3:1: \(document\): YAML: Map keys must be unique/],
    ['explicit tag', 'version: 1\nid: !!str x\n', /:2:\d+: .*tag tag:yaml.org,2002:str is not allowed/],
    [
      'bad date',
      'version: 1\nid: x\nwaivers:\n  - {rule: PICKLE-OS-EXEC, artifact: "*", owner: a, reason: b, expires: 2030-02-30}\n',
      /waivers\[0\]\.expires: '2030-02-30' is not a calendar date/,
    ],
  ];
  for (const [name, text, re] of cases) {
    it(name, () => {
      const d = dir({ 'p.yaml': text });
      const e = loadError(join(d, 'p.yaml'));
      expect(e.message.startsWith(join(d, 'p.yaml'))).toBe(true);
      expect(e.message).toMatch(re);
    });
  }

  it('an unknown rule id is an error, not a silent no-op', () => {
    const d = dir({
      'p.yaml':
        'version: 1\nid: x\nscopes:\n  - name: s\n    match: {registry: local}\n    severity_overrides:\n      PICKLE-NOPE: high\n',
    });
    expect(loadError(join(d, 'p.yaml')).message).toMatch(
      /:7:7: scopes\[0\]\.severity_overrides\.PICKLE-NOPE: unknown rule id 'PICKLE-NOPE'/,
    );
    const w = dir({
      'p.yaml':
        'version: 1\nid: x\nwaivers:\n  - {rule: NOPE-RULE, artifact: "*", owner: a, reason: b, expires: 2030-01-01}\n',
    });
    expect(loadError(join(w, 'p.yaml')).message).toMatch(
      /:4:12: waivers\[0\]\.rule: unknown rule id 'NOPE-RULE'/,
    );
  });

  it('refuses files over the size limit before parsing', () => {
    const d = dir({ 'p.yaml': `version: 1\nid: x\ndescription: "${'a'.repeat(MAX_POLICY_BYTES)}"\n` });
    expect(loadError(join(d, 'p.yaml')).message).toContain('policy files are limited to');
  });

  it('refuses an alias bomb', () => {
    const lines = ['version: 1', 'id: x', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const d = dir({ 'p.yaml': lines.join('\n') + '\n' });
    expect(loadError(join(d, 'p.yaml')).message).toMatch(/alias/i);
  });

  it('a missing file is POLICY_INVALID naming the bundled packs', () => {
    expect(loadError('/nonexistent/policy.yaml').message).toMatch(
      /policy not found .*baseline, strict, permissive-research/,
    );
  });
});

describe('docs/policies.md', () => {
  it('its full example policy is valid', () => {
    const md = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'policies.md'), 'utf8');
    const example = md
      .split('```yaml\n')
      .map((b) => b.split('\n```')[0]!)
      .find((b) => b.includes('id: acme-ml'));
    expect(example).toBeDefined();
    const d = dir({ 'acme.yaml': example! });
    const p = loadPolicy(join(d, 'acme.yaml'), {
      catalog: new Map([...catalog, ['ONNX-CUSTOM-DOMAIN', { id: 'ONNX-CUSTOM-DOMAIN' }]]),
    });
    expect(p.document.scopes?.map((s) => s.name)).toEqual(['production', 'research']);
  });

  it('its cases example matches policies/cases.schema.json', () => {
    const md = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'policies.md'), 'utf8');
    const example = md
      .split('```yaml\n')
      .map((b) => b.split('\n```')[0]!)
      .find((b) => b.includes('cases:'));
    const schema = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', '..', 'policies', 'cases.schema.json'), 'utf8'),
    ) as object;
    expect(() => validateAgainst(parseYamlText(example!, 'docs-cases.yaml'), schema)).not.toThrow();
  });
});
